using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace OrleansScale.Activities;

/// <summary>A user's own activities. Besides the items it keeps the ids whose fan-out is not yet
/// confirmed, and queues those again while they stay unconfirmed. The queue alone is not trusted for
/// at-least-once: its pulling agent's SimpleQueueCache may purge (and so confirm) a message of a new
/// stream before that stream's consumer cursor exists (races reported as dotnet/orleans#9107 and #9501),
/// and a message dead-lettered after failed attempts is never delivered again; and the fan-out returns to
/// the queue when the feeds show an activity, before they have written it. The re-queue runs on a durable
/// reminder, so a stream whose silo died is woken on a live one and queues its unconfirmed ids again.
/// Reentrant, so that posts arriving together share one storage write (group commit); every change to
/// the list happens between awaits. Stored as a head (the newest items and the unconfirmed ids, written by
/// every post) and a tail (the rest, written when the head spills), in the binary format.</summary>
[GrainType("activity-stream")]
[Reentrant]
public sealed partial class ActivityStreamGrain(
    [PersistentState("stream-head", StorageNames.Streams)] IPersistentState<ActivityStreamState> head,
    [PersistentState("stream-tail", StorageNames.Streams)] IPersistentState<ActivityStreamState> tail,
    [FromKeyedServices(StorageNames.Main)] IGrainStorage mainStorage,
    IOptions<ActivityOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ActivityStreamGrain> logger) : Grain, IActivityStreamGrain, IRemindable
{
    const string RequeueReminder = "requeue-unconfirmed";

    /// <summary>The state name of streams stored as one JSON document in <see cref="StorageNames.Main"/>.</summary>
    const string SingleDocumentState = "activity-stream";

    readonly SplitActivityList items = new(options.Value);
    readonly HashSet<string> unconfirmed = new(StringComparer.Ordinal);
    // Posts whose acknowledgement (the write that holds them, then their queue message) runs or failed: a
    // repeated post of such an id waits for it, or tries it again, instead of answering at once.
    readonly Dictionary<string, Task> unacknowledged = new(StringComparer.Ordinal);
    GroupCommit commit = null!;
    // Unconfirmed ids already seen by the previous reminder tick: those have waited at least one period.
    HashSet<string> waiting = new(StringComparer.Ordinal);
    // The registration of the re-queue reminder by this activation, done once before the first queue message;
    // the reminder stays until a tick finds nothing unconfirmed, so a busy author does not write it per post.
    Task? requeueRegistered;
    bool confirmationsUnsaved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        commit = new GroupCommit(Persist);
        if (!head.RecordExists)
            await CarryOverSingleDocument(cancellationToken);
        items.Load(tail.State.Items, head.State.Items);
        unconfirmed.UnionWith(head.State.Unconfirmed.Where(id => items.TryGet(id, out _)));
        // A previous activation may have died before the queue or the fan-out finished with these.
        if (unconfirmed.Count > 0)
            await Enqueue(unconfirmed.ToList());
    }

    /// <summary>Moves a stream written as one JSON document (before streams were split) into head and tail,
    /// then deletes the old row. Streams are the source of record of a user's activities, so they are carried
    /// over, not dropped; a crash half-way repeats the move on the next activation.</summary>
    async Task CarryOverSingleDocument(CancellationToken cancellationToken)
    {
        var old = new GrainState<ActivityStreamState>(new ActivityStreamState());
        await mainStorage.ReadStateAsync(SingleDocumentState, this.GetGrainId(), old, cancellationToken);
        if (!old.RecordExists || old.State is not { } stored)
            return;
        tail.State = new ActivityStreamState { Items = stored.Items };
        await tail.WriteStateAsync(cancellationToken);
        head.State = new ActivityStreamState { Unconfirmed = stored.Unconfirmed };
        await head.WriteStateAsync(cancellationToken);
        await mainStorage.ClearStateAsync(SingleDocumentState, this.GetGrainId(), old, cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Confirmations are saved lazily; losing them only means a repeated, harmless fan-out.
        if (confirmationsUnsaved)
            await commit.Write();
    }

    public async Task<ActivityView> Post(NewActivity activity)
    {
        if (items.TryGet(activity.Id, out var view))
        {
            if (!unacknowledged.TryGetValue(view.Id, out var running))
                return view; // durable and queued
            if (running.IsFaulted || running.IsCanceled)
                unacknowledged[view.Id] = running = Acknowledge(view);
            await running;
            return view;
        }

        // Strictly increasing times keep the stream's order the order of posting, even when the clock
        // stands still or steps back, and give every item a distinct cursor position.
        var createdAt = clock.GetUtcNow().ToUniversalTime();
        if (items.Newest is { } newest && createdAt <= newest.CreatedAt)
            createdAt = newest.CreatedAt.AddTicks(1);
        view = new ActivityView(activity.Id, this.GetPrimaryKeyString(), activity.Kind, activity.SubjectId,
            activity.Summary, createdAt);
        items.Insert(view);
        unconfirmed.Add(view.Id);
        foreach (var old in items.TrimToKeep())
        {
            unconfirmed.Remove(old.Id);
            unacknowledged.Remove(old.Id);
        }
        var acknowledged = Acknowledge(view);
        unacknowledged[view.Id] = acknowledged;
        await acknowledged;
        return view;
    }

    /// <summary>Completes when a write that holds the item has succeeded and its queue message is in.</summary>
    async Task Acknowledge(ActivityView view)
    {
        await commit.Write();
        await Enqueue([view.Id]);
        unacknowledged.Remove(view.Id);
    }

    async Task Persist()
    {
        try
        {
            await items.Write(
                headItems =>
                {
                    head.State = new ActivityStreamState { Items = headItems, Unconfirmed = unconfirmed.ToList() };
                    confirmationsUnsaved = false;
                    return head.WriteStateAsync();
                },
                tailItems =>
                {
                    tail.State = new ActivityStreamState { Items = tailItems };
                    return tail.WriteStateAsync();
                });
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote since this one read (a failover overlap): every later write of this
            // one would fail too. The callers retry against a new activation, which reads what was written.
            DeactivateOnIdle();
            throw;
        }
    }

    public ValueTask<ActivityPage> Page(int limit, string? before) =>
        ValueTask.FromResult(items.Page(limit, before));

    public Task ConfirmFannedOut(string activityId)
    {
        if (unconfirmed.Remove(activityId))
            confirmationsUnsaved = true;
        if (unconfirmed.Count == 0)
            waiting.Clear();
        return Task.CompletedTask;
    }

    public ValueTask<bool> IsFannedOut(string activityId) =>
        ValueTask.FromResult(items.TryGet(activityId, out _) && !unconfirmed.Contains(activityId));

    async Task Enqueue(IReadOnlyList<string> ids)
    {
        // Registered first, so that an id the queue refused now is tried again too, and an activity whose
        // fan-out and stream die together with their silo is queued again from a live one.
        await RegisterRequeue();
        var provider = this.GetStreamProvider(StreamProviders.Queue);
        foreach (var id in ids)
        {
            if (items.TryGet(id, out var item))
                await provider.GetStream<ActivityView>(ActivityQueue.FanOutStream(item, options.Value.FanOutLanes)).OnNextAsync(item);
        }
    }

    async Task RegisterRequeue()
    {
        var registration = requeueRegistered ??= this.RegisterOrUpdateReminder(RequeueReminder,
            options.Value.RequeueAfter, options.Value.RequeueAfter);
        try
        {
            await registration;
        }
        catch
        {
            if (requeueRegistered == registration)
                requeueRegistered = null; // the next post tries again
            throw;
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RequeueReminder)
            return;
        if (unconfirmed.Count > 0)
        {
            await RequeueUnconfirmed();
            return;
        }
        // Nothing left to watch. A post that registers meanwhile only updates the row this removes, or
        // makes this removal fail on its version: either way the reminder exists while it is needed.
        requeueRegistered = null;
        try
        {
            if (await this.GetReminder(RequeueReminder) is { } reminder && unconfirmed.Count == 0 && requeueRegistered is null)
                await this.UnregisterReminder(reminder);
        }
        catch (Exception e)
        {
            LogReminderNotRemoved(e, this.GetPrimaryKeyString());
        }
    }

    async Task RequeueUnconfirmed()
    {
        // Posts still being acknowledged queue their own message; ones whose acknowledgement failed do not.
        var overdue = unconfirmed.Where(id => waiting.Contains(id) && !(unacknowledged.TryGetValue(id, out var running) && !running.IsCompleted)).ToList();
        waiting = new HashSet<string>(unconfirmed, StringComparer.Ordinal);
        if (overdue.Count == 0)
            return;
        LogRequeued(this.GetPrimaryKeyString(), overdue.Count);
        await Enqueue(overdue);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: removing the idle re-queue reminder failed; its next tick tries again")]
    partial void LogReminderNotRemoved(Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: {Count} activities had no confirmed fan-out in time and were queued again")]
    partial void LogRequeued(string userId, int count);
}

/// <summary>The queue that carries activities to the fan-out.</summary>
public static class ActivityQueue
{
    /// <summary>Stream namespace of posted activities, keyed by the author's id and a lane.</summary>
    public const string FanOutNamespace = "activity-fanout";

    /// <summary>The queue stream of an activity: "{author}/{lane}", the lane a hash of the activity's id.
    /// The queue delivers one event of a stream at a time and a fan-out holds it until every feed shows the
    /// activity, so lanes let one author's fan-outs run side by side; a repeated activity takes the same lane.</summary>
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

/// <summary>A stream's head or tail document (the tail's <see cref="Unconfirmed"/> is empty), and the single
/// JSON document streams were stored as before they were split.</summary>
[GenerateSerializer]
public sealed class ActivityStreamState
{
    /// <summary>Oldest first; a stored tail may still hold items that fell off (dropped when loaded).</summary>
    [Id(0)] public List<ActivityView> Items { get; set; } = [];

    /// <summary>Ids of stored activities whose fan-out is not confirmed yet.</summary>
    [Id(1)] public List<string> Unconfirmed { get; set; } = [];
}
