using Microsoft.Extensions.Options;

namespace OrleansScale.Activities;

/// <summary>Gathers, per silo, the feed deliveries of every fan-out running on it and sends each feed
/// one <see cref="IActivityFeedGrain.Deliver"/> with all the items gathered for it. A feed's batch waits
/// at least <see cref="ActivityOptions.FanOutWindow"/>, then for a free slot among
/// <see cref="ActivityOptions.FanOutConcurrency"/> calls in flight, and keeps taking items until it is
/// sent: the busier the silo, the bigger the batches, so grain calls and feed writes per second stop
/// growing with the activity rate (authors share friends). A fan-out awaits the delivery of its items,
/// so nothing is confirmed before the feeds are durable; if the silo dies, the buffered items die with
/// the fan-outs that await them, and the queue delivers those activities again.</summary>
public sealed class FeedDeliveryBuffer(IGrainFactory grains, IOptions<ActivityOptions> options)
{
    readonly Lock gate = new();
    readonly Dictionary<string, Pending> pending = new(StringComparer.Ordinal);
    // Bounds the feed calls in flight from this silo: a thousand cold feeds activating at once each read
    // two documents and exhausted the Postgres connection pool (100), failing whole fan-outs.
    readonly SemaphoreSlim slots = new(options.Value.FanOutConcurrency);

    sealed class Pending
    {
        public readonly List<ActivityView> Items = [];
        public readonly TaskCompletionSource Delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Completes when the feed has durably taken the activity (or fails if it did not).</summary>
    public Task Deliver(string feedOwnerId, ActivityView activity)
    {
        lock (gate)
        {
            if (!pending.TryGetValue(feedOwnerId, out var batch))
            {
                pending[feedOwnerId] = batch = new Pending();
                _ = Send(feedOwnerId);
            }
            batch.Items.Add(activity);
            return batch.Delivered.Task;
        }
    }

    async Task Send(string feedOwnerId)
    {
        if (options.Value.FanOutWindow > TimeSpan.Zero)
            await Task.Delay(options.Value.FanOutWindow).ConfigureAwait(false);
        await slots.WaitAsync().ConfigureAwait(false);
        Pending batch;
        lock (gate)
        {
            batch = pending[feedOwnerId];
            pending.Remove(feedOwnerId); // items arriving from now on start the feed's next batch
        }
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
            slots.Release();
        }
    }
}
