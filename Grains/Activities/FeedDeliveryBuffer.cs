namespace OrleansScale.Activities;

/// <summary>Gathers, per silo, the feed deliveries of every fan-out running on it for a short window and
/// sends each feed one <see cref="IActivityFeedGrain.Deliver"/> with all its items. Authors share friends,
/// so at high rates one call and one storage write carry many activities instead of one each: the grain
/// calls and feed writes per second stop growing with the activity rate. A fan-out awaits the deliveries
/// of its items, so nothing is acknowledged before the feeds are durable; if the silo dies the buffered
/// items die with the fan-outs that await them, and the queue delivers those activities again.</summary>
public sealed class FeedDeliveryBuffer(IGrainFactory grains, Microsoft.Extensions.Options.IOptions<ActivityOptions> options)
{
    readonly Lock gate = new();
    // Bounds the feed calls in flight from this silo: a thousand cold feeds activating at once each read
    // two documents and exhausted the Postgres connection pool (100), failing the whole fan-out.
    readonly SemaphoreSlim inFlight = new(options.Value.FanOutConcurrency);
    Dictionary<string, Pending> pending = new(StringComparer.Ordinal);
    bool flushScheduled;

    sealed class Pending
    {
        public readonly List<ActivityView> Items = [];
        public readonly TaskCompletionSource Delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Completes when the feed has durably taken the activity (or fails if it did not).</summary>
    public Task Deliver(string feedOwnerId, ActivityView activity)
    {
        var window = options.Value.FanOutWindow;
        if (window <= TimeSpan.Zero)
            return grains.GetGrain<IActivityFeedGrain>(feedOwnerId).Deliver([activity]);
        lock (gate)
        {
            if (!pending.TryGetValue(feedOwnerId, out var batch))
                pending[feedOwnerId] = batch = new Pending();
            batch.Items.Add(activity);
            if (!flushScheduled)
            {
                flushScheduled = true;
                _ = FlushAfter(window);
            }
            return batch.Delivered.Task;
        }
    }

    async Task FlushAfter(TimeSpan window)
    {
        await Task.Delay(window).ConfigureAwait(false);
        Dictionary<string, Pending> batches;
        lock (gate)
        {
            batches = pending;
            pending = new Dictionary<string, Pending>(StringComparer.Ordinal);
            flushScheduled = false;
        }
        await Task.WhenAll(batches.Select(b => Send(b.Key, b.Value))).ConfigureAwait(false);
    }

    async Task Send(string feedOwnerId, Pending batch)
    {
        await inFlight.WaitAsync().ConfigureAwait(false);
        try
        {
            await grains.GetGrain<IActivityFeedGrain>(feedOwnerId).Deliver(batch.Items).ConfigureAwait(false);
            batch.Delivered.SetResult();
        }
        catch (Exception e)
        {
            batch.Delivered.SetException(e);
        }
        finally
        {
            inFlight.Release();
        }
    }
}
