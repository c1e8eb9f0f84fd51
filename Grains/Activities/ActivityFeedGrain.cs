using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace OrleansScale.Activities;

/// <summary>A user's feed. Reentrant so that deliveries from many authors' fan-outs interleave and share
/// storage writes (<see cref="GroupCommit"/>); every change to the list happens between awaits, so
/// interleaving never sees it half-done. Stored as two documents, a small head with the newest items and
/// a tail with the rest, because a fan-out writes every friend's feed: rewriting a 1,000-item document
/// per delivery made the feed writes, not the queue, the limit of fan-out throughput.</summary>
[GrainType("activity-feed")]
[Reentrant]
public sealed class ActivityFeedGrain(
    [PersistentState("activity-feed", StorageNames.Main)] IPersistentState<ActivityFeedState> head,
    [PersistentState("activity-feed-tail", StorageNames.Main)] IPersistentState<ActivityFeedState> tail,
    IOptions<ActivityOptions> options) : Grain, IActivityFeedGrain
{
    readonly HashSet<string> ids = new(StringComparer.Ordinal);
    // The whole feed, oldest first; items[..split] are the tail's, items[split..] the head's.
    List<ActivityView> items = [];
    int split;
    bool tailDirty;
    GroupCommit commit = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A crash between the two writes of a spill can leave an item in both documents: keep one.
        foreach (var item in tail.State.Items.Concat(head.State.Items))
        {
            if (ids.Add(item.Id))
                items.Add(item);
        }
        items.Sort((a, b) => ActivityList.Compare(a.CreatedAt, a.Id, b));
        split = Math.Min(tail.State.Items.Count, items.Count);
        commit = new GroupCommit(Persist);
        return Task.CompletedTask;
    }

    public Task Deliver(IReadOnlyList<ActivityView> activities)
    {
        var keep = options.Value.Keep;
        var changed = false;
        foreach (var activity in activities)
        {
            if (ids.Contains(activity.Id))
                continue; // a repeated delivery
            // Older than everything a full feed keeps: it would fall off at once. This also keeps a
            // redelivery of an item that already fell off from coming back.
            if (items.Count >= keep && ActivityList.Compare(activity.CreatedAt, activity.Id, items[0]) < 0)
                continue;
            var at = ActivityList.InsertInOrder(items, activity);
            if (at < split)
            {
                split++;
                tailDirty = true;
            }
            ids.Add(activity.Id);
            changed = true;
        }
        while (items.Count > keep)
        {
            ids.Remove(items[0].Id);
            items.RemoveAt(0);
            if (split > 0)
            {
                split--;
                tailDirty = true;
            }
        }
        return changed ? commit.Write() : Task.CompletedTask;
    }

    public ValueTask<ActivityPage> Page(int limit, string? before) =>
        ValueTask.FromResult(ActivityList.Page(items, limit, before));

    async Task Persist()
    {
        var headSize = options.Value.FeedHeadSize;
        if (items.Count - split > 2 * headSize)
        {
            split = items.Count - headSize;
            tailDirty = true;
        }
        // Copies, so that deliveries interleaving with the write change the list, not what is written.
        head.State = new ActivityFeedState { Items = items[split..] };
        var writes = new List<Task> { head.WriteStateAsync() };
        if (tailDirty)
        {
            tailDirty = false;
            tail.State = new ActivityFeedState { Items = items[..split] };
            writes.Add(tail.WriteStateAsync());
        }
        try
        {
            await Task.WhenAll(writes);
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote since we read (a failover overlap): reload on the next call
            // rather than keep failing; the fan-out retries what was not acknowledged.
            DeactivateOnIdle();
            throw;
        }
        catch
        {
            tailDirty = true;
            throw;
        }
    }
}

[GenerateSerializer]
public sealed class ActivityFeedState
{
    /// <summary>Oldest first by (creation time, id).</summary>
    [Id(0)] public List<ActivityView> Items { get; set; } = [];
}
