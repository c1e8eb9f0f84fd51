using System.Collections.Concurrent;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>Clients that each send their next request when the last is answered, as a user's own tool
/// would (the import), unlike the open loop of the mixed workload. A shed answer is waited out for its
/// Retry-After (1 s) and the same work sent again, as a polite client does; anything else moves on.</summary>
public static class ClosedLoop
{
    static readonly TimeSpan ShedPause = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="clients"/> clients until <paramref name="next"/> (given the client's
    /// number) has no more work for them. Latency runs from each send. Returns the times at which the
    /// successful requests completed, in order.</summary>
    public static async Task<TimeSpan[]> RunAsync(int clients, OperationStats stats, RunClock clock, Timeline timeline,
        CancellationToken stop, Func<int, int?> next, Func<int, Task<Outcome>> send)
    {
        var completions = new ConcurrentQueue<TimeSpan>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && next(client) is { } work)
            {
                while (true)
                {
                    var sent = clock.Elapsed;
                    timeline.Due(stats.Group, sent);
                    var outcome = await send(work);
                    var latency = clock.Elapsed - sent;
                    stats.Record(outcome, latency);
                    timeline.Ended(stats.Group, outcome, latency);
                    if (outcome.Kind == OutcomeKind.Ok)
                        completions.Enqueue(clock.Elapsed);
                    if (outcome.Kind != OutcomeKind.Shed || !await Pause(stop))
                        break;
                }
            }
        }, stop)));
        return [.. completions.Order()];
    }

    /// <summary>Waits out a shed answer's Retry-After; false when stopped meanwhile.</summary>
    static async Task<bool> Pause(CancellationToken stop)
    {
        try
        {
            await Task.Delay(ShedPause, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
