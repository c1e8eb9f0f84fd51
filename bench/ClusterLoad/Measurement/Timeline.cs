using System.Globalization;
using System.Text;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Queue;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>One second of the run, per operation group; latency is the p99 of what ended in that second.</summary>
public sealed record TimelineRow(
    int Second,
    string Phase,
    GroupSecond[] Groups,
    long? QueueDepth,
    double? QueueOldestAgeSeconds,
    long? QueueLeased,
    long? DeadLetters);

/// <summary>Offered: requests due in the second. Served: answers (right or wrong) that came in it.</summary>
public sealed record GroupSecond(long Offered, long Served, long Failed, long Shed, long Wrong, long NotSent, double? P99Milliseconds);

/// <summary>A line on the charts: where a phase began, or an event during one (<see cref="IsEvent"/>), such as a
/// silo added while the load runs; only phases name the seconds of timeline.csv.</summary>
public sealed record PhaseMark(TimeSpan At, string Name, bool IsEvent = false);

/// <summary>Counts every request into the second it was due in (offered) or ended in (the rest), and
/// turns each second into a row once it is safely over. Seconds live in a small ring of buckets, so a row
/// is exact however late the sampling thread runs, and memory does not grow with request count.</summary>
public sealed class Timeline(RunClock clock, QueueMonitor queue)
{
    const int RingSize = 8; // seconds the sampler may fall behind (a starved thread pool) before two share a bucket
    static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);
    static readonly int Groups = Enum.GetValues<OperationGroup>().Length;

    readonly SecondBucket[] ring = Enumerable.Range(0, RingSize).Select(_ => new SecondBucket()).ToArray();
    readonly List<TimelineRow> rows = [];
    readonly List<PhaseMark> marks = [];
    int nextRow;

    public IReadOnlyList<TimelineRow> Rows
    {
        get { lock (rows) return [.. rows]; }
    }

    public IReadOnlyList<PhaseMark> Marks
    {
        get { lock (marks) return [.. marks]; }
    }

    public void MarkPhase(string name)
    {
        lock (marks)
            marks.Add(new PhaseMark(clock.Elapsed, name));
    }

    public void MarkEvent(string name)
    {
        lock (marks)
            marks.Add(new PhaseMark(clock.Elapsed, name, IsEvent: true));
    }

    public void Due(OperationGroup group, TimeSpan dueAt) => BucketAt(dueAt).Add(group, Field.Offered);

    public void Ended(OperationGroup group, Outcome outcome, TimeSpan? latency)
    {
        var bucket = BucketAt(clock.Elapsed);
        var field = outcome.Kind switch
        {
            OutcomeKind.Ok => Field.Served,
            OutcomeKind.Wrong => Field.Wrong,
            OutcomeKind.Shed => Field.Shed,
            OutcomeKind.KeyBusy => Field.NotSent,
            _ when outcome.IsFailure => Field.Failed,
            _ => (Field?)null,
        };
        if (field is { } counted)
            bucket.Add(group, counted);
        if (outcome.Kind == OutcomeKind.Wrong)
            bucket.Add(group, Field.Served); // a wrong answer was served all the same
        if (latency is { } value)
            bucket.Latency[(int)group].Record(value);
    }

    public void NotSent(OperationGroup group) => BucketAt(clock.Elapsed).Add(group, Field.NotSent);

    /// <summary>Makes a row of every second that is over, until stopped; then of the seconds left.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
                TakeRows(clock.Elapsed - Grace);
        }
        catch (OperationCanceledException)
        {
        }
        TakeRows(clock.Elapsed + TimeSpan.FromSeconds(1));
    }

    public void WriteCsv(string path)
    {
        var csv = new StringBuilder();
        var groupNames = Enum.GetNames<OperationGroup>().Select(g => g.ToLowerInvariant()).ToArray();
        csv.Append("second,phase");
        foreach (var g in groupNames)
            csv.Append($",offered_{g},served_{g},failed_{g},shed_{g},wrong_{g},not_sent_{g},p99_ms_{g}");
        csv.AppendLine(",queue_depth,queue_oldest_age_s,queue_leased,dead_letters");
        foreach (var row in Rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{row.Second},{row.Phase}");
            foreach (var g in row.Groups)
                csv.Append(CultureInfo.InvariantCulture, $",{g.Offered},{g.Served},{g.Failed},{g.Shed},{g.Wrong},{g.NotSent},{Format(g.P99Milliseconds)}");
            csv.AppendLine(CultureInfo.InvariantCulture,
                $",{row.QueueDepth},{Format(row.QueueOldestAgeSeconds)},{row.QueueLeased},{row.DeadLetters}");
        }
        File.WriteAllText(path, csv.ToString());
    }

    static string Format(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "";

    SecondBucket BucketAt(TimeSpan at)
    {
        // Something due in a second already written out (a request due while the scheduler was late by
        // more than the grace) counts in the oldest second still open.
        var second = Math.Max((int)at.TotalSeconds, Volatile.Read(ref nextRow));
        return ring[second % RingSize];
    }

    void TakeRows(TimeSpan over)
    {
        lock (rows)
        {
            while (nextRow + 1 <= over.TotalSeconds)
            {
                var bucket = ring[nextRow % RingSize];
                var snapshot = queue.Latest;
                rows.Add(new TimelineRow(nextRow, PhaseAt(nextRow),
                    Enumerable.Range(0, Groups).Select(bucket.Take).ToArray(),
                    snapshot?.Depth, snapshot?.OldestAgeSeconds, snapshot?.Leased, snapshot?.DeadLetters));
                Volatile.Write(ref nextRow, nextRow + 1);
            }
        }
    }

    string PhaseAt(int second)
    {
        lock (marks)
            return marks.LastOrDefault(m => !m.IsEvent && m.At.TotalSeconds <= second + 0.5)?.Name ?? "start";
    }

    enum Field { Offered, Served, Failed, Shed, Wrong, NotSent }

    sealed class SecondBucket
    {
        static readonly int Fields = Enum.GetValues<Field>().Length;

        readonly long[] counts = new long[Groups * Fields];

        public LatencyHistogram[] Latency { get; } = Enumerable.Range(0, Groups).Select(_ => new LatencyHistogram()).ToArray();

        public void Add(OperationGroup group, Field field) => Interlocked.Increment(ref counts[(int)group * Fields + (int)field]);

        /// <summary>The group's second as a row, and the bucket emptied for its next use.</summary>
        public GroupSecond Take(int group)
        {
            long Get(Field f) => Interlocked.Exchange(ref counts[group * Fields + (int)f], 0);
            var p99 = Latency[group].Percentile(0.99)?.TotalMilliseconds;
            Latency[group].Clear();
            return new GroupSecond(Get(Field.Offered), Get(Field.Served), Get(Field.Failed), Get(Field.Shed), Get(Field.Wrong),
                Get(Field.NotSent), p99);
        }
    }
}
