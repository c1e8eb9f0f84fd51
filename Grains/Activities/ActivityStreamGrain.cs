using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansScale.Activities;

[GrainType("activity-stream")]
public sealed partial class ActivityStreamGrain(
    [PersistentState("activity-stream", StorageNames.Main)] IPersistentState<ActivityStreamState> state,
    IOptions<ActivityOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ActivityStreamGrain> logger) : Grain, IActivityStreamGrain
{
    readonly Dictionary<string, ActivityView> byId = new(StringComparer.Ordinal);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var item in state.State.Items)
            byId[item.Id] = item;
        // A previous activation stored these but may have died before handing them to the queue.
        if (state.State.Unqueued.Count > 0)
            await Enqueue();
    }

    public async Task<ActivityView> Post(NewActivity activity)
    {
        if (byId.TryGetValue(activity.Id, out var stored))
        {
            // A retried post: the first attempt may have stored it and failed before queueing it.
            if (state.State.Unqueued.Count > 0)
                await Enqueue();
            return stored;
        }

        var items = state.State.Items;
        var createdAt = clock.GetUtcNow().ToUniversalTime();
        // Strictly increasing times keep the stream's order the order of posting, even when the clock
        // stands still or steps back, and give every item a distinct cursor position.
        if (items.Count > 0 && createdAt <= items[^1].CreatedAt)
            createdAt = items[^1].CreatedAt.AddTicks(1);
        var view = new ActivityView(activity.Id, this.GetPrimaryKeyString(), activity.Kind, activity.SubjectId,
            activity.Summary, createdAt);

        items.Add(view);
        byId[view.Id] = view;
        while (items.Count > options.Value.Keep)
        {
            byId.Remove(items[0].Id);
            items.RemoveAt(0);
        }
        state.State.Unqueued.Add(view.Id);
        await state.WriteStateAsync();
        await Enqueue();
        return view;
    }

    public ValueTask<ActivityPage> Page(int limit, string? before) =>
        ValueTask.FromResult(ActivityList.Page(state.State.Items, limit, before));

    /// <summary>Hands stored activities to the durable queue for fan-out. Each is removed from the
    /// unqueued list only after the queue accepted it; that removal reaches storage with the next write,
    /// so a crash in between queues it twice, which the feeds absorb.</summary>
    async Task Enqueue()
    {
        var queue = this.GetStreamProvider(StreamProviders.Queue)
            .GetStream<ActivityView>(StreamId.Create(ActivityQueue.FanOutNamespace, this.GetPrimaryKeyString()));
        foreach (var id in state.State.Unqueued.ToList())
        {
            if (byId.TryGetValue(id, out var item))
            {
                await queue.OnNextAsync(item);
                LogQueued(item.UserId, item.Id);
            }
            state.State.Unqueued.Remove(id);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activity {ActivityId} of user {UserId} queued for fan-out")]
    partial void LogQueued(string userId, string activityId);
}

/// <summary>The queue that carries activities to the fan-out.</summary>
public static class ActivityQueue
{
    /// <summary>Stream namespace of posted activities, keyed by the author's id.</summary>
    public const string FanOutNamespace = "activity-fanout";
}

[GenerateSerializer]
public sealed class ActivityStreamState
{
    /// <summary>Oldest first, at most <see cref="ActivityOptions.Keep"/>.</summary>
    [Id(0)] public List<ActivityView> Items { get; set; } = [];

    /// <summary>Ids of stored activities not yet handed to the queue.</summary>
    [Id(1)] public List<string> Unqueued { get; set; } = [];
}
