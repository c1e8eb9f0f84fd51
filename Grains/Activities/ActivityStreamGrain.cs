using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansScale.Activities;

/// <summary>A user's own activities. Besides the items it keeps the ids whose fan-out is not yet
/// confirmed, and queues those again while they stay unconfirmed. The queue alone is not trusted for
/// at-least-once: its pulling agent's SimpleQueueCache may purge (and so confirm) a message of a new
/// stream before that stream's consumer cursor exists (races reported as dotnet/orleans#9107 and #9501),
/// and a message dead-lettered after failed attempts is never delivered again.</summary>
[GrainType("activity-stream")]
public sealed partial class ActivityStreamGrain(
    [PersistentState("activity-stream", StorageNames.Main)] IPersistentState<ActivityStreamState> state,
    IOptions<ActivityOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ActivityStreamGrain> logger) : Grain, IActivityStreamGrain
{
    readonly Dictionary<string, ActivityView> byId = new(StringComparer.Ordinal);
    // Unconfirmed ids already seen by the previous timer tick: those have waited at least one period.
    HashSet<string> waiting = new(StringComparer.Ordinal);
    IGrainTimer? requeueTimer;
    bool confirmationsUnsaved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var item in state.State.Items)
            byId[item.Id] = item;
        // A previous activation may have died before the queue or the fan-out finished with these.
        if (state.State.Unconfirmed.Count > 0)
            await Enqueue(state.State.Unconfirmed.ToList());
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Confirmations are saved lazily; losing them only means a repeated, harmless fan-out.
        if (confirmationsUnsaved)
            await state.WriteStateAsync(cancellationToken);
    }

    public async Task<ActivityView> Post(NewActivity activity)
    {
        if (byId.TryGetValue(activity.Id, out var stored))
            return stored;

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
            state.State.Unconfirmed.Remove(items[0].Id);
            items.RemoveAt(0);
        }
        state.State.Unconfirmed.Add(view.Id);
        await state.WriteStateAsync();
        confirmationsUnsaved = false;
        await Enqueue([view.Id]);
        return view;
    }

    public ValueTask<ActivityPage> Page(int limit, string? before) =>
        ValueTask.FromResult(ActivityList.Page(state.State.Items, limit, before));

    public Task ConfirmFannedOut(string activityId)
    {
        if (state.State.Unconfirmed.Remove(activityId))
            confirmationsUnsaved = true;
        if (state.State.Unconfirmed.Count == 0)
        {
            requeueTimer?.Dispose();
            requeueTimer = null;
            waiting.Clear();
        }
        return Task.CompletedTask;
    }

    public ValueTask<bool> IsFannedOut(string activityId) =>
        ValueTask.FromResult(byId.ContainsKey(activityId) && !state.State.Unconfirmed.Contains(activityId));

    async Task Enqueue(IReadOnlyList<string> ids)
    {
        var provider = this.GetStreamProvider(StreamProviders.Queue);
        // Started first, so that an id the queue refused now is tried again too. It keeps the grain
        // active while fan-outs are outstanding, so the re-queue cannot be forgotten.
        requeueTimer ??= this.RegisterGrainTimer(RequeueUnconfirmed, new GrainTimerCreationOptions(
            options.Value.RequeueAfter, options.Value.RequeueAfter) { KeepAlive = true });
        foreach (var id in ids)
        {
            if (byId.TryGetValue(id, out var item))
                await provider.GetStream<ActivityView>(ActivityQueue.FanOutStream(item, options.Value.FanOutLanes)).OnNextAsync(item);
        }
    }

    async Task RequeueUnconfirmed(CancellationToken cancellationToken)
    {
        var overdue = state.State.Unconfirmed.Where(waiting.Contains).ToList();
        waiting = new HashSet<string>(state.State.Unconfirmed, StringComparer.Ordinal);
        if (overdue.Count == 0)
            return;
        LogRequeued(this.GetPrimaryKeyString(), overdue.Count);
        await Enqueue(overdue);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: {Count} activities had no confirmed fan-out in time and were queued again")]
    partial void LogRequeued(string userId, int count);
}

/// <summary>The queue that carries activities to the fan-out.</summary>
public static class ActivityQueue
{
    /// <summary>Stream namespace of posted activities, keyed by the author's id and a lane.</summary>
    public const string FanOutNamespace = "activity-fanout";

    /// <summary>The queue stream of an activity: "{author}/{lane}", the lane a hash of the activity's id.
    /// The queue delivers one event of a stream at a time and a fan-out waits for the feeds' writes, so
    /// lanes let one author's fan-outs run side by side; a repeated activity takes the same lane.</summary>
    public static StreamId FanOutStream(ActivityView activity, int lanes) =>
        StreamId.Create(FanOutNamespace, FanOutKey(activity.UserId, activity.Id, lanes));

    /// <summary>The key of the fan-out grain (and queue stream) that carries the activity.</summary>
    public static string FanOutKey(string authorId, string activityId, int lanes) =>
        $"{authorId}/{Fnv1a(activityId) % (uint)lanes}";

    // A hash that is the same in every process (string.GetHashCode is not), so a test or a re-queue
    // from another silo finds the same lane.
    static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
            hash = (hash ^ c) * 16777619u;
        return hash;
    }
}

[GenerateSerializer]
public sealed class ActivityStreamState
{
    /// <summary>Oldest first, at most <see cref="ActivityOptions.Keep"/>.</summary>
    [Id(0)] public List<ActivityView> Items { get; set; } = [];

    /// <summary>Ids of stored activities whose fan-out is not confirmed yet.</summary>
    [Id(1)] public List<string> Unconfirmed { get; set; } = [];
}
