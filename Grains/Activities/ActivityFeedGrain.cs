using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansScale.Activities;

/// <summary>A user's feed. Delivered items are applied in memory at once, so readers see them, and written
/// behind: the first change after a write starts a <see cref="ActivityOptions.FeedFlushInterval"/> wait,
/// then one write stores everything delivered meanwhile. Deliverers learn when their items are durable
/// through <see cref="WhenDurable"/>, so nothing is confirmed before it is written; items taken by an
/// activation that dies before its write are lost from the feed until they are delivered again.
/// Reentrant so that deliveries from many fan-outs interleave; every change to the list happens between
/// awaits, so interleaving never sees it half-done. Stored in pages (<see cref="ActivityPages"/>), so a write
/// stores what arrived since the last one, not the whole feed.
/// Not moved by the activation rebalancer (docs/operations.md): moving a busy feed costs
/// a flush and a reload, and under a full fan-out load a migrated feed's activation was cancelled while it
/// was activating. A feed is placed when it activates, on any silo, new ones included.</summary>
[GrainType("activity-feed")]
[Reentrant]
[Immovable(ImmovableKind.Rebalancer)]
public sealed partial class ActivityFeedGrain(
    [FromKeyedServices(StorageNames.Feeds)] IGrainStorage storage,
    IOptions<ActivityOptions> options,
    ILogger<ActivityFeedGrain> logger) : Grain, IActivityFeedGrain
{
    /// <summary>The state names of feeds stored as a head and a tail document, before pages.</summary>
    const string HeadState = "feed-head", TailState = "feed-tail";

    // Receipts name this activation, so a receipt of a dead one is never taken for durable here.
    readonly Guid activation = Guid.NewGuid();
    ActivityPages items = null!;
    // Writes are numbered from 1: changes made now go out with write `next`; `written` is the last one
    // that succeeded. `dirty` says whether anything changed since the last write started.
    long next = 1;
    long written;
    bool dirty;
    bool broken;
    bool deactivating;
    Task? flushing;
    readonly List<(long Write, TaskCompletionSource<bool> Durable)> waiting = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        items = new ActivityPages(storage, this.GetGrainId(), "feed", options.Value);
        var (stored, _) = await items.Load(cancellationToken);
        if (!stored)
            await CarryOverHeadAndTail(cancellationToken);
    }

    /// <summary>Moves a feed stored as a head and a tail document into pages and deletes the old rows (a
    /// crash half-way repeats the move, keeping what the pages already hold).</summary>
    async Task CarryOverHeadAndTail(CancellationToken cancellationToken)
    {
        var head = new GrainState<ActivityFeedState>(new ActivityFeedState());
        var tail = new GrainState<ActivityFeedState>(new ActivityFeedState());
        await Task.WhenAll(
            storage.ReadStateAsync(HeadState, this.GetGrainId(), head, cancellationToken),
            storage.ReadStateAsync(TailState, this.GetGrainId(), tail, cancellationToken));
        if (!head.RecordExists && !tail.RecordExists)
            return;
        var old = (tail.State?.Items ?? []).Concat(head.State?.Items ?? [])
            .DistinctBy(item => item.Id, StringComparer.Ordinal)
            .OrderBy(item => item.CreatedAt.UtcTicks).ThenBy(item => item.Id, StringComparer.Ordinal);
        items.CarryOver(old);
        await items.Write([], cancellationToken);
        if (head.RecordExists)
            await storage.ClearStateAsync(HeadState, this.GetGrainId(), head, cancellationToken);
        if (tail.RecordExists)
            await storage.ClearStateAsync(TailState, this.GetGrainId(), tail, cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        deactivating = true;
        try
        {
            // Never two writes at once: the second would fail on the first's etag. A failure of the
            // running write was logged where it happened.
            if (flushing is { } running)
                await running.ContinueWith(_ => { }, TaskScheduler.Current);
            if (dirty && !broken)
                await Flush();
        }
        catch (Exception e)
        {
            LogWriteFailed(e, this.GetPrimaryKeyString());
        }
        // What is not written now never will be by this activation: its deliverers must deliver it again.
        AnswerWaiting(durable: false);
    }

    public Task<FeedReceipt> Deliver(IReadOnlyList<ActivityView> activities)
    {
        // What this activation takes now it can never write: the deliverer tries the next one.
        if (broken)
            throw new InvalidOperationException($"The feed of {this.GetPrimaryKeyString()} is being reloaded.");
        var changed = false;
        foreach (var activity in activities)
        {
            if (items.TryGet(activity.Id, out _))
                continue; // a repeated delivery
            // Older than everything a full feed keeps: it would fall off at once. This also keeps a
            // redelivery of an item that already fell off from coming back.
            if (items.Count >= options.Value.Keep && ActivityList.Compare(activity.CreatedAt, activity.Id, items.Oldest) < 0)
                continue;
            items.Insert(activity);
            changed = true;
        }
        items.TrimToKeep();
        if (changed)
        {
            dirty = true;
            flushing ??= FlushBehind();
        }
        // A repeated item may still wait for its write too, so a clean answer needs a clean feed: when
        // nothing changed since the last write started, that write (done or running) holds everything.
        return Task.FromResult(new FeedReceipt(activation, dirty ? next : next - 1));
    }

    public Task<bool> WhenDurable(FeedReceipt receipt)
    {
        if (receipt.Activation != activation || broken)
            return Task.FromResult(false);
        if (receipt.Write <= written)
            return Task.FromResult(true);
        var durable = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        waiting.Add((receipt.Write, durable));
        return durable.Task;
    }

    public ValueTask<ActivityPage> Page(int limit, string? before) =>
        ValueTask.FromResult(items.Page(limit, before));

    // Not a grain timer: deactivation stops those first and then waits for running calls, among them
    // WhenDurable calls that only this loop completes. Its continuations run on the grain's scheduler.
    async Task FlushBehind()
    {
        try
        {
            // Changes that arrive during a write wait a whole interval too: at most one write per interval.
            var failures = 0;
            while (dirty && !broken && !deactivating)
            {
                await Task.Delay(NextFlushDelay(failures));
                if (deactivating)
                    return; // OnDeactivateAsync writes what is left
                try
                {
                    await Flush();
                    failures = 0;
                }
                catch (InconsistentStateException e)
                {
                    // Another activation wrote since we read (a failover overlap): this one must not write
                    // again. Its waiters are answered now, not at deactivation: deactivation waits for running
                    // calls, and these are calls that only an answer ends. Their items go to the one that lives.
                    LogWriteFailed(e, this.GetPrimaryKeyString());
                    broken = true;
                    AnswerWaiting(durable: false);
                    DeactivateOnIdle();
                }
                catch (Exception e)
                {
                    LogWriteFailed(e, this.GetPrimaryKeyString());
                    dirty = true;
                    failures++;
                }
            }
        }
        finally
        {
            flushing = null;
        }
    }

    // Feeds that a fan-out reached together would otherwise write together, every interval, in one wave
    // that holds up every other write (an author's post among them); a random extra of up to half an
    // interval spreads them out within a few writes.
    // After failed writes (the database is down, say) the wait doubles, up to a minute.
    TimeSpan NextFlushDelay(int failures)
    {
        var interval = options.Value.FeedFlushInterval * (1 + Random.Shared.NextDouble() / 2);
        return failures == 0 ? interval : TimeSpan.FromTicks(Math.Min(interval.Ticks << Math.Min(failures, 10), TimeSpan.FromMinutes(1).Ticks));
    }

    async Task Flush()
    {
        var write = next++;
        dirty = false;
        await Persist();
        written = write;
        waiting.RemoveAll(w =>
        {
            if (w.Write > write)
                return false;
            w.Durable.TrySetResult(true);
            return true;
        });
    }

    void AnswerWaiting(bool durable)
    {
        foreach (var (_, waiter) in waiting)
            waiter.TrySetResult(durable);
        waiting.Clear();
    }

    // The pages are copied before the first await, so deliveries interleaving with the write change the
    // list, not what is written.
    Task Persist() => items.Write([]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed {UserId}: writing delivered activities failed")]
    partial void LogWriteFailed(Exception exception, string userId);
}

/// <summary>A feed's head or tail document as stored before pages; read only to carry it over.</summary>
[GenerateSerializer]
public sealed class ActivityFeedState
{
    /// <summary>Oldest first by (creation time, id).</summary>
    [Id(0)] public List<ActivityView> Items { get; set; } = [];
}
