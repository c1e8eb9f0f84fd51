using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansScale.Activities;

/// <summary>Carries, per silo, the feed deliveries of every fan-out running on it, in two steps:
/// <list type="number">
/// <item>Gathering: a feed's items wait at least <see cref="ActivityOptions.FanOutWindow"/>, then for a free
/// slot among <see cref="ActivityOptions.FanOutConcurrency"/> calls in flight, taking more items all the
/// while, and go out in one <see cref="IActivityFeedGrain.Deliver"/>. The feed applies them in memory and
/// answers at once with a receipt, which frees the slot.</item>
/// <item>Durability: one <see cref="IActivityFeedGrain.WhenDurable"/> at a time per feed, for the newest
/// receipt, settles every batch sent to that feed before it. Items whose feed says the receipt is not its
/// own (the feed's activation died before writing them), or whose call failed, are gathered and sent
/// again, at most <see cref="MaxAttempts"/> times.</item>
/// </list>
/// Gathered and unwritten items are bounded by <see cref="ActivityOptions.FanOutMaxPending"/>; a fan-out
/// that would go over waits for room. If this silo dies, what it held dies with it: the queue still holds
/// the message of every fan-out that was not written everywhere, and delivers it again when its lease runs out.</summary>
public sealed partial class FeedDeliveryBuffer(IGrainFactory grains, IOptions<ActivityOptions> options,
    ILogger<FeedDeliveryBuffer> logger)
{
    /// <summary>How often one item is sent to its feed before its delivery fails.</summary>
    public const int MaxAttempts = 5;

    readonly Lock gate = new();
    readonly Dictionary<string, Feed> feeds = new(StringComparer.Ordinal);
    // Bounds the feed calls in flight from this silo: a thousand cold feeds activating at once each read
    // two documents and exhausted the Postgres connection pool (100), failing whole fan-outs.
    readonly SemaphoreSlim slots = new(options.Value.FanOutConcurrency);
    readonly Queue<(int Count, TaskCompletionSource Admitted)> admissions = new();
    int pending;

    sealed class Entry(ActivityView activity, FeedDelivery delivery)
    {
        public ActivityView Activity { get; } = activity;
        public FeedDelivery Delivery { get; } = delivery;
        public int Attempts;
        public bool Applied;
    }

    /// <summary>One feed's traffic from this silo: the batch being gathered, and what was sent but is not
    /// yet known to be written.</summary>
    sealed class Feed
    {
        public List<Entry>? Gathering;
        public int Sending;
        public readonly List<(FeedReceipt Receipt, List<Entry> Entries)> Unwritten = [];
        public bool Watching;
        public bool Idle => Gathering is null && Sending == 0 && Unwritten.Count == 0 && !Watching;
    }

    /// <summary>Delivers the activities to every given feed, in batches of <paramref name="batchSize"/> feeds,
    /// and completes when every feed has written them. Batches bound how many feeds one fan-out has waiting
    /// at once, so a 5,000-friend author does not flood the cluster while other authors' fan-outs wait; the
    /// next batch starts when the previous one is visible, and the writes of all are awaited at the end.</summary>
    public async Task DeliverAll(IReadOnlyList<string> feedOwnerIds, IReadOnlyList<ActivityView> activities, int batchSize)
    {
        var deliveries = new List<FeedDelivery>();
        foreach (var batch in feedOwnerIds.Chunk(batchSize))
        {
            foreach (var activity in activities)
                deliveries.Add(await Deliver(batch, activity).ConfigureAwait(false));
            await Task.WhenAll(deliveries.Select(d => d.Applied)).ConfigureAwait(false);
        }
        await Task.WhenAll(deliveries.Select(d => d.Durable)).ConfigureAwait(false);
    }

    /// <summary>Hands the activity over for the given feeds; waits only while this silo already holds
    /// <see cref="ActivityOptions.FanOutMaxPending"/> undelivered items.</summary>
    async Task<FeedDelivery> Deliver(IReadOnlyList<string> feedOwnerIds, ActivityView activity)
    {
        await Admit(feedOwnerIds.Count).ConfigureAwait(false);
        var delivery = new FeedDelivery(feedOwnerIds.Count);
        lock (gate)
        {
            foreach (var feedOwnerId in feedOwnerIds)
                Gather(feedOwnerId, new Entry(activity, delivery));
        }
        return delivery;
    }

    // Under the gate.
    void Gather(string feedOwnerId, Entry entry)
    {
        if (!feeds.TryGetValue(feedOwnerId, out var feed))
            feeds[feedOwnerId] = feed = new Feed();
        if (feed.Gathering is null)
        {
            feed.Gathering = [];
            feed.Sending++;
            _ = Send(feedOwnerId, feed);
        }
        feed.Gathering.Add(entry);
    }

    async Task Send(string feedOwnerId, Feed feed)
    {
        if (options.Value.FanOutWindow > TimeSpan.Zero)
            await Task.Delay(options.Value.FanOutWindow).ConfigureAwait(false);
        await slots.WaitAsync().ConfigureAwait(false);
        List<Entry> batch;
        lock (gate)
        {
            batch = feed.Gathering!;
            feed.Gathering = null; // items arriving from now on start the feed's next batch
        }
        FeedReceipt receipt;
        try
        {
            receipt = await grains.GetGrain<IActivityFeedGrain>(feedOwnerId)
                .Deliver(batch.ConvertAll(e => e.Activity)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (gate)
            {
                feed.Sending--;
                Retry(feedOwnerId, batch, e);
                if (feed.Idle)
                    feeds.Remove(feedOwnerId);
            }
            return;
        }
        finally
        {
            slots.Release();
        }
        foreach (var entry in batch)
        {
            if (!entry.Applied)
            {
                entry.Applied = true;
                entry.Delivery.OneApplied();
            }
        }
        lock (gate)
        {
            feed.Sending--;
            feed.Unwritten.Add((receipt, batch));
            if (!feed.Watching)
            {
                feed.Watching = true;
                _ = Watch(feedOwnerId, feed);
            }
        }
    }

    async Task Watch(string feedOwnerId, Feed feed)
    {
        while (true)
        {
            FeedReceipt newest;
            int asked;
            lock (gate)
            {
                if (feed.Unwritten.Count == 0)
                {
                    feed.Watching = false;
                    if (feed.Idle)
                        feeds.Remove(feedOwnerId);
                    return;
                }
                // Two sends to one feed may overlap, so receipts need not arrive in order: ask for the
                // highest write of the activation that answered last.
                newest = feed.Unwritten[^1].Receipt;
                foreach (var (receipt, _) in feed.Unwritten)
                {
                    if (receipt.Activation == newest.Activation && receipt.Write > newest.Write)
                        newest = receipt;
                }
                asked = feed.Unwritten.Count;
            }
            Exception? error = null;
            var durable = false;
            try
            {
                durable = await grains.GetGrain<IActivityFeedGrain>(feedOwnerId).WhenDurable(newest).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }
            var written = new List<Entry>();
            lock (gate)
            {
                var settled = feed.Unwritten.GetRange(0, asked);
                feed.Unwritten.RemoveRange(0, asked);
                foreach (var (receipt, entries) in settled)
                {
                    // A receipt of the same activation as a durable newer one is durable too; one of an
                    // earlier activation, or any when the answer was no, may have died unwritten.
                    if (durable && receipt.Activation == newest.Activation)
                        written.AddRange(entries);
                    else
                        Retry(feedOwnerId, entries, error ?? new FeedLostWritesException(feedOwnerId));
                }
            }
            foreach (var entry in written)
                entry.Delivery.OneWritten();
            Settle(written.Count);
        }
    }

    // Under the gate.
    void Retry(string feedOwnerId, List<Entry> entries, Exception error)
    {
        var failed = 0;
        foreach (var entry in entries)
        {
            if (++entry.Attempts < MaxAttempts)
            {
                Gather(feedOwnerId, entry);
                continue;
            }
            entry.Delivery.Fail(error);
            failed++;
        }
        if (failed > 0)
        {
            LogDeliveryFailed(error, feedOwnerId, failed);
            SettleUnderGate(failed);
        }
        else
            LogRedelivering(feedOwnerId, entries.Count, error.Message);
    }

    Task Admit(int count)
    {
        lock (gate)
        {
            if (admissions.Count == 0 && Fits(count))
            {
                pending += count;
                return Task.CompletedTask;
            }
            var admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            admissions.Enqueue((count, admitted));
            return admitted.Task;
        }
    }

    // A delivery larger than the whole bound still goes, alone.
    bool Fits(int count) => pending == 0 || pending + count <= options.Value.FanOutMaxPending;

    void Settle(int count)
    {
        if (count == 0)
            return;
        lock (gate)
            SettleUnderGate(count);
    }

    void SettleUnderGate(int count)
    {
        pending -= count;
        while (admissions.TryPeek(out var next) && Fits(next.Count))
        {
            admissions.Dequeue();
            next.Admitted.SetResult();
            pending += next.Count;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed {UserId}: sending {Count} items again ({Reason})")]
    partial void LogRedelivering(string userId, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {UserId}: {Count} items were not delivered after the last attempt")]
    partial void LogDeliveryFailed(Exception exception, string userId, int count);
}

/// <summary>The progress of one activity handed to <see cref="FeedDeliveryBuffer"/> for a set of feeds.</summary>
public sealed class FeedDelivery
{
    readonly TaskCompletionSource applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource written = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int unapplied;
    int unwritten;

    internal FeedDelivery(int feeds)
    {
        unapplied = unwritten = feeds;
        if (feeds == 0)
        {
            applied.SetResult();
            written.SetResult();
        }
    }

    /// <summary>Completes when every feed has the activity in memory, visible to its readers.</summary>
    public Task Applied => applied.Task;

    /// <summary>Completes when every feed has written the activity to storage; fails if one could not
    /// be reached or kept losing it.</summary>
    public Task Durable => written.Task;

    internal void OneApplied()
    {
        if (Interlocked.Decrement(ref unapplied) == 0)
            applied.TrySetResult();
    }

    internal void OneWritten()
    {
        if (Interlocked.Decrement(ref unwritten) == 0)
            written.TrySetResult();
    }

    internal void Fail(Exception error)
    {
        applied.TrySetException(error);
        written.TrySetException(error);
    }
}

/// <summary>A feed's activation ended before it wrote items delivered to it.</summary>
public sealed class FeedLostWritesException(string feedOwnerId)
    : Exception($"The feed of {feedOwnerId} was reactivated before it wrote what was delivered to it.");
