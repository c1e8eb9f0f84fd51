using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Queue;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>A phase as plain text: one row per operation and a total, in the order of badness (wrong,
/// lost, failed by kind, shed, not sent) and then latency; the queue over the phase; what went wrong.</summary>
public static class PhaseReport
{
    const string Header =
        "operation         offered/s      sent        ok   wrong    lost     5xx timeout   reset    shed not-sent busy-key   p50 ms   p99 ms   max ms";

    /// <param name="withQueue">False for a window around an event, which keeps no queue states of its own.</param>
    public static void Print(TextWriter output, Phase phase, bool withQueue = true)
    {
        var aborted = phase.Aborted ? ", cut short" : "";
        output.WriteLine();
        output.WriteLine($"== {phase.Name}: {phase.Description} ({phase.Duration.TotalSeconds:0.0} s{aborted})");
        var operations = phase.Operations;
        if (operations.Count > 0)
        {
            output.WriteLine(Header);
            foreach (var stats in operations)
                output.WriteLine(Row(stats.Name, stats.OfferedRate, stats.Sent, stats[OutcomeKind.Ok], stats[OutcomeKind.Wrong],
                    stats[OutcomeKind.Lost], stats[OutcomeKind.Failed5xx], stats[OutcomeKind.Timeout], stats[OutcomeKind.Reset],
                    stats[OutcomeKind.Shed], stats.NotSentCap, stats[OutcomeKind.KeyBusy], stats.Latency));
            if (operations.Count > 1)
            {
                var all = new LatencyHistogram();
                foreach (var stats in operations)
                    all.Add(stats.Latency);
                output.WriteLine(Row("total", operations.Sum(o => o.OfferedRate), operations.Sum(o => o.Sent),
                    operations.Sum(o => o[OutcomeKind.Ok]), operations.Sum(o => o[OutcomeKind.Wrong]), operations.Sum(o => o[OutcomeKind.Lost]),
                    operations.Sum(o => o[OutcomeKind.Failed5xx]), operations.Sum(o => o[OutcomeKind.Timeout]), operations.Sum(o => o[OutcomeKind.Reset]),
                    operations.Sum(o => o[OutcomeKind.Shed]), operations.Sum(o => o.NotSentCap), operations.Sum(o => o[OutcomeKind.KeyBusy]), all));
            }
        }
        if (withQueue)
            foreach (var line in new QueueChange(phase.QueueAtStart, phase.QueueAtEnd).Describe())
                output.WriteLine(line);
        if (phase.FeedLag.Count > 0)
            output.WriteLine($"feed lag (review acknowledged -> first seen in a watched friend's feed): {phase.FeedLag.Count} seen, " +
                             $"p50 {Ms(phase.FeedLag.Percentile(0.5))} ms, p99 {Ms(phase.FeedLag.Percentile(0.99))} ms, max {Ms(phase.FeedLag.Max)} ms");
        foreach (var stats in operations)
        {
            foreach (var (reason, count) in stats.ProblemReasons)
                output.WriteLine($"  {stats.Name}: {count} x {reason}");
            foreach (var sample in stats.ProblemSamples)
                output.WriteLine($"    e.g. {sample}");
            foreach (var (title, count) in stats.ShedTitles)
                output.WriteLine($"  {stats.Name}: {count} shed with \"{title}\"");
        }
        if (phase.Operations.Sum(o => o[OutcomeKind.DriverError]) is var driverErrors and > 0)
            output.WriteLine($"  DRIVER ERRORS: {driverErrors} (bugs in this driver, not counted as the system's)");
    }

    static string Row(string name, double offered, long sent, long ok, long wrong, long lost, long failed5xx, long timeouts,
        long resets, long shed, long notSent, long busyKey, LatencyHistogram latency) =>
        $"{name,-16} {(offered > 0 ? offered.ToString("0.0") : "-"),10} {sent,9} {ok,9} {wrong,7} {lost,7} {failed5xx,7} {timeouts,7} " +
        $"{resets,7} {shed,7} {notSent,8} {busyKey,8} {Ms(latency.Percentile(0.5)),8} {Ms(latency.Percentile(0.99)),8} {Ms(latency.Count > 0 ? latency.Max : null),8}";

    public static string Ms(TimeSpan? value) => value is { } v ? v.TotalMilliseconds.ToString(v.TotalMilliseconds < 100 ? "0.0" : "0") : "-";
}
