using Orleans.Storage;
using Orleans.Concurrency;
using Microsoft.Extensions.Options;

namespace OrleansScale.Activities;

/// <summary>Reentrant so that deliveries from many authors' fan-outs interleave and share storage
/// writes (<see cref="GroupCommit"/>); every change to the list happens between awaits, so interleaving
/// never sees it half-done.</summary>
[GrainType("activity-feed")]
[Reentrant]
public sealed class ActivityFeedGrain(
    [PersistentState("activity-feed", StorageNames.Main)] IPersistentState<ActivityFeedState> state,
    IOptions<ActivityOptions> options) : Grain, IActivityFeedGrain
{
    readonly HashSet<string> ids = new(StringComparer.Ordinal);
    GroupCommit commit = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var item in state.State.Items)
            ids.Add(item.Id);
        commit = new GroupCommit(Persist);
        return Task.CompletedTask;
    }

    public Task Deliver(IReadOnlyList<ActivityView> activities)
    {
        var items = state.State.Items;
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
            ActivityList.InsertInOrder(items, activity);
            ids.Add(activity.Id);
            changed = true;
        }
        while (items.Count > keep)
        {
            ids.Remove(items[0].Id);
            items.RemoveAt(0);
        }
        return changed ? commit.Write() : Task.CompletedTask;
    }

    public ValueTask<ActivityPage> Page(int limit, string? before) =>
        ValueTask.FromResult(ActivityList.Page(state.State.Items, limit, before));

    async Task Persist()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote since we read (a failover overlap): reload on the next call
            // rather than keep failing; the fan-out retries what was not acknowledged.
            DeactivateOnIdle();
            throw;
        }
    }
}

[GenerateSerializer]
public sealed class ActivityFeedState
{
    /// <summary>Oldest first by (creation time, id), at most <see cref="ActivityOptions.Keep"/>.</summary>
    [Id(0)] public List<ActivityView> Items { get; set; } = [];
}
