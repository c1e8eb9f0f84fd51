using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Queue;

/// <summary>Polls GET /api/cluster once a second for the whole run and keeps the newest queue snapshot.
/// A poll that fails (the API is overloaded, say) yields a snapshot of nulls, so a gap shows as a gap
/// rather than as the last value repeated.</summary>
public sealed class QueueMonitor(ApiClient api, RunClock clock)
{
    static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    TaskCompletionSource<QueueSnapshot> next = NewSignal();
    QueueSnapshot? latest;
    int failedPolls;

    /// <summary>The newest poll's answer; null before the first one.</summary>
    public QueueSnapshot? Latest => Volatile.Read(ref latest);

    public int FailedPolls => Volatile.Read(ref failedPolls);

    /// <summary>Whether any poll so far has seen <c>queue.depth</c>: without it there is no drain to wait for.</summary>
    public bool DepthReported { get; private set; }

    /// <summary>The answer of the next poll to finish.</summary>
    public Task<QueueSnapshot> NextAsync() => Volatile.Read(ref next).Task;

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            var snapshot = await PollAsync();
            Volatile.Write(ref latest, snapshot);
            DepthReported |= snapshot.Depth is not null;
            Interlocked.Exchange(ref next, NewSignal()).TrySetResult(snapshot);
        }
        while (await WaitForTick(timer, stop));
    }

    /// <summary>One poll now, outside the one-second rhythm (phase bounds want their own).</summary>
    public async Task<QueueSnapshot> PollAsync()
    {
        var answer = await api.Get("/api/cluster");
        if (answer.Status != 200)
        {
            Interlocked.Increment(ref failedPolls);
            return QueueSnapshot.Unknown(clock.Elapsed);
        }
        try
        {
            return QueueSnapshot.Parse(JsonNode.Parse(answer.Body), clock.Elapsed);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref failedPolls);
            return QueueSnapshot.Unknown(clock.Elapsed);
        }
    }

    static async Task<bool> WaitForTick(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    static TaskCompletionSource<QueueSnapshot> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
