using System.Diagnostics;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>Time since the run began, on the monotonic clock. Every time of a run (when a request was
/// due, when it ended, timeline rows, phase bounds) is on this one axis.</summary>
public sealed class RunClock
{
    readonly long start = Stopwatch.GetTimestamp();

    public DateTimeOffset StartedAtUtc { get; } = DateTimeOffset.UtcNow;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(start);
}
