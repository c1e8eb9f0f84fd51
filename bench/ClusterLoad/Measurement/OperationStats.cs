using System.Collections.Concurrent;
using OrleansScale.Bench.ClusterLoad.Api;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>Which rate a request counts towards: "write rate" means every request that changes state
/// (product writes, reviews, cart changes, article saves); sign-ins are apart since they cost a password
/// hash and would hide the reads' latency.</summary>
public enum OperationGroup { Read, Write, SignIn }

/// <summary>The counts and latencies of one operation in one phase. Every request due is counted once:
/// as not sent (client cap or no free key) or by how it ended. Thread-safe.</summary>
public sealed class OperationStats(string name, OperationGroup group, double offeredRate)
{
    const int SamplesKept = 5;

    long due, notSentCap, sent;
    readonly long[] byOutcome = new long[Enum.GetValues<OutcomeKind>().Length];
    readonly ConcurrentDictionary<string, long> wrongReasons = new();
    readonly ConcurrentDictionary<string, long> shedTitles = new();
    readonly ConcurrentQueue<string> wrongSamples = new();

    public string Name { get; } = name;

    public OperationGroup Group { get; } = group;

    /// <summary>Requests per second scheduled (0 for checks and closed-loop operations).</summary>
    public double OfferedRate { get; } = offeredRate;

    /// <summary>Latency of every request sent, whatever its outcome, from the time it was due.</summary>
    public LatencyHistogram Latency { get; } = new();

    public long Due => Volatile.Read(ref due);
    public long Sent => Volatile.Read(ref sent);
    public long NotSentCap => Volatile.Read(ref notSentCap);
    public long this[OutcomeKind kind] => Volatile.Read(ref byOutcome[(int)kind]);
    public long Failed => this[OutcomeKind.Failed5xx] + this[OutcomeKind.Timeout] + this[OutcomeKind.Reset];
    public long Served => this[OutcomeKind.Ok] + this[OutcomeKind.Wrong];

    /// <summary>Wrong answers, lost writes, server errors and driver errors by kind and what was wrong
    /// (the detail up to its first colon; for a 5xx its status), most frequent first.</summary>
    public IEnumerable<KeyValuePair<string, long>> ProblemReasons => wrongReasons.OrderByDescending(r => r.Value);

    /// <summary>A few of those in full, for whoever has to find out why.</summary>
    public IReadOnlyCollection<string> ProblemSamples => wrongSamples;

    /// <summary>Shed answers by problem title: also tells shedding apart from other 503s that carry Retry-After.</summary>
    public IEnumerable<KeyValuePair<string, long>> ShedTitles => shedTitles.OrderByDescending(r => r.Value);

    public void CountDue() => Interlocked.Increment(ref due);

    public void CountNotSentCap() => Interlocked.Increment(ref notSentCap);

    /// <summary>Records how a request ended; <paramref name="latency"/> is null for requests never sent.</summary>
    public void Record(Outcome outcome, TimeSpan? latency)
    {
        Interlocked.Increment(ref byOutcome[(int)outcome.Kind]);
        if (latency is { } sentFor)
        {
            Interlocked.Increment(ref sent);
            Latency.Record(sentFor);
        }
        switch (outcome.Kind)
        {
            case OutcomeKind.Wrong or OutcomeKind.Lost or OutcomeKind.DriverError or OutcomeKind.Failed5xx:
                var detail = outcome.Detail ?? "(no detail)";
                var colon = detail.IndexOf(':');
                wrongReasons.AddOrUpdate($"{outcome.Kind}: {(colon > 0 ? detail[..colon] : detail)}", 1, (_, n) => n + 1);
                if (wrongSamples.Count < SamplesKept)
                    wrongSamples.Enqueue($"{outcome.Kind}: {detail}");
                break;
            case OutcomeKind.Shed:
                shedTitles.AddOrUpdate(outcome.Detail ?? "", 1, (_, n) => n + 1);
                break;
        }
    }
}
