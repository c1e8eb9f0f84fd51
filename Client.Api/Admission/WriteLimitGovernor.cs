using Microsoft.Extensions.Options;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Admission;

/// <summary>Sets how many writes this API server lets into the cluster at once from how its reads and the
/// queue are doing. Every <see cref="WriteAdmissionOptions.AdjustInterval"/> it takes the 90th percentile of
/// the reads of that interval and compares it with their quiet latency, the lowest such percentile of the last
/// <see cref="WriteAdmissionOptions.QuietSpan"/>. Reads slower than <see cref="WriteAdmissionOptions.ReadSlowdown"/>
/// times quiet (and than <see cref="WriteAdmissionOptions.ReadLatencyFloor"/>), or background work older than
/// <see cref="WriteAdmissionOptions.QueueAgeTarget"/>, halve the limit (down to
/// <see cref="WriteAdmissionOptions.MinConcurrent"/>); otherwise a limit that held writes back grows by one (up to
/// <see cref="WriteAdmissionOptions.MaxConcurrent"/>), and one that held nothing back stays.
/// Writes, their background work and reads share the same cores: this hands writes what the reads leave, at
/// the pace the queue's consumers keep up with, so an overload is shed among writes instead of felt by readers
/// or piled up on the queue.</summary>
public sealed partial class WriteLimitGovernor(
    AdjustableConcurrencyLimit writes,
    ReadLatency reads,
    IQueueAge queue,
    IOptions<WriteAdmissionOptions> options,
    TimeProvider clock,
    ILogger<WriteLimitGovernor> logger) : BackgroundService
{
    /// <summary>Fewer reads than this in an interval say too little about them to act on.</summary>
    public const int MinReads = 20;

    readonly Queue<(DateTimeOffset At, TimeSpan P90)> recent = new();
    long[] last = reads.Snapshot();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.Adaptive)
            return;
        using var timer = new PeriodicTimer(options.Value.AdjustInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // A failed step keeps the limit as it is; a crash here would stop the whole API process.
            try
            {
                await Adjust();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogStepFailed(e);
            }
        }
    }

    /// <summary>One step: looks at the reads since the last step, and at the queue if writes were held back,
    /// and sets the limit.</summary>
    public async Task Adjust()
    {
        var o = options.Value;
        var now = reads.Snapshot();
        var (count, p90) = ReadLatency.Between(last, now, 0.9);
        last = now;
        var limit = writes.Limit;
        var heldBack = writes.TakeWasFull();
        var readsSlow = count >= MinReads && Slow(p90, o);
        // Asked only while writes press: an idle server does not poll the queue.
        var queueBehind = heldBack && !readsSlow && await queue.BacklogAge() > o.QueueAgeTarget;
        if (readsSlow || queueBehind)
        {
            var lower = Math.Max(o.MinConcurrent, limit / 2);
            if (lower < limit)
                LogLowered(lower, readsSlow
                    ? $"reads slowed down (90th percentile {p90.TotalMilliseconds:0.0} ms, quiet {Quiet.TotalMilliseconds:0.0} ms)"
                    : "background work is behind");
            writes.Limit = lower;
        }
        else if (heldBack && limit < o.MaxConcurrent)
            writes.Limit = limit + 1;
    }

    /// <summary>Whether reads at <paramref name="p90"/> are slow against the quickest interval of the quiet span
    /// (this one included, so a first interval is never slow), and slower than the floor.</summary>
    bool Slow(TimeSpan p90, WriteAdmissionOptions o)
    {
        var at = clock.GetUtcNow();
        recent.Enqueue((at, p90));
        while (recent.Peek().At < at - o.QuietSpan)
            recent.Dequeue();
        return p90 > o.ReadLatencyFloor && p90 > Quiet * o.ReadSlowdown;
    }

    TimeSpan Quiet => recent.Min(r => r.P90);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not adjust the write limit; it stays as it is")]
    partial void LogStepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Writes in flight limited to {Limit}: {Why}")]
    partial void LogLowered(int limit, string why);
}
