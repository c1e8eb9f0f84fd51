using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Queue;

/// <summary>How waiting for the queue to empty ended.</summary>
/// <param name="Elapsed">From the start of the wait until the depth reached 0 for good (it then stayed 0
/// for the stable time); null when it did not.</param>
/// <param name="DepthReported">False when the cluster does not report <c>queue.depth</c>: then nothing
/// could be waited for, and the caller must say so.</param>
/// <param name="MaxDepth">The largest depth seen while waiting.</param>
/// <param name="LastDepth">The depth at the last poll.</param>
public sealed record DrainResult(TimeSpan? Elapsed, bool DepthReported, long? MaxDepth, long? LastDepth, TimeSpan WaitedFor)
{
    public bool Drained => Elapsed is not null;

    public string Describe() =>
        !DepthReported ? "queue depth not reported by the cluster: no drain to time"
        : Elapsed is { } elapsed ? $"queue empty after {elapsed.TotalSeconds:0.0} s (max depth {MaxDepth})"
        : $"queue NOT empty for good after {WaitedFor.TotalSeconds:0} s (depth {LastDepth?.ToString() ?? "n/a"} at the end, max {MaxDepth})";
}

/// <summary>What the queue did while it was only watched: its largest depth and the last snapshot.</summary>
public sealed record QueueWatch(long? MaxDepth, QueueSnapshot? Last)
{
    /// <summary>Whether anything was queued at any poll; null when the cluster reports no depth.</summary>
    public bool? AnythingQueued => MaxDepth is { } depth ? depth > 0 : null;
}

public static class Drain
{
    /// <summary>Polls for <paramref name="duration"/> without sending anything, keeping the largest depth seen.</summary>
    public static async Task<QueueWatch> WatchAsync(QueueMonitor monitor, RunClock clock, TimeSpan duration, CancellationToken stop)
    {
        var end = clock.Elapsed + duration;
        var last = monitor.Latest;
        var maxDepth = last?.Depth;
        while (clock.Elapsed < end && !stop.IsCancellationRequested)
        {
            try
            {
                last = await monitor.NextAsync().WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (last.Depth is { } depth)
                maxDepth = Math.Max(maxDepth ?? 0, depth);
        }
        return new QueueWatch(maxDepth, last);
    }

    /// <summary>Waits, poll by poll, until <c>queue.depth</c> is 0 and stays 0 for <paramref name="stableFor"/>,
    /// or <paramref name="limit"/> has passed. Gives up at once (DepthReported false) when the first
    /// three polls carry no depth.</summary>
    public static async Task<DrainResult> WaitForEmptyAsync(QueueMonitor monitor, RunClock clock,
        TimeSpan stableFor, TimeSpan limit, CancellationToken stop)
    {
        var start = clock.Elapsed;
        TimeSpan? emptySince = null;
        long? maxDepth = null, lastDepth = null;
        var polls = 0;
        while (!stop.IsCancellationRequested)
        {
            QueueSnapshot snapshot;
            try
            {
                snapshot = await monitor.NextAsync().WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            polls++;
            var now = clock.Elapsed;
            if (snapshot.Depth is not { } depth)
            {
                if (!monitor.DepthReported && polls >= 3)
                    return new DrainResult(null, false, null, null, now - start);
                emptySince = null; // a failed poll proves nothing either way
            }
            else
            {
                lastDepth = depth;
                maxDepth = Math.Max(maxDepth ?? 0, depth);
                if (depth > 0)
                    emptySince = null;
                else if ((emptySince ??= snapshot.At) is var since && now - since >= stableFor)
                    return new DrainResult(since > start ? since - start : TimeSpan.Zero, true, maxDepth, depth, now - start);
            }
            if (now - start >= limit)
                return new DrainResult(null, true, maxDepth, lastDepth, now - start);
        }
        return new DrainResult(null, monitor.DepthReported, maxDepth, lastDepth, clock.Elapsed - start);
    }
}
