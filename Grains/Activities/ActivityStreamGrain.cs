using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using OrleansScale.Queue;
using OrleansScale.Users;

namespace OrleansScale.Activities;

/// <summary>A user's own activities, stored in pages (<see cref="ActivityPages"/>). A post is acknowledged
/// once a write that holds it has succeeded and its fan-out message is on the queue; from then on the queue
/// alone carries the fan-out (it retries a failed fan-out after a backoff, and keeps the message until every
/// friend's feed has written the activity). The ids of posts whose message may not be in yet are stored
/// with the post (an outbox), so an activation that died in between publishes them when the stream next
/// activates. Reentrant, so that posts arriving together share one storage write (group commit); every
/// change to the list happens between awaits.</summary>
[GrainType("activity-stream")]
[Reentrant]
public sealed partial class ActivityStreamGrain(
    [FromKeyedServices(StorageNames.Streams)] IGrainStorage storage,
    [FromKeyedServices(StorageNames.Main)] IGrainStorage mainStorage,
    IOptions<ActivityOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ActivityStreamGrain> logger) : Grain, IActivityStreamGrain
{
    /// <summary>The state name of streams stored as one JSON document in <see cref="StorageNames.Main"/>.</summary>
    const string SingleDocumentState = "activity-stream";

    /// <summary>The state names of streams stored as a head and a tail document.</summary>
    const string HeadState = "stream-head", TailState = "stream-tail";

    ActivityPages items = null!;
    // Ids of stored posts whose queue message may not be in yet; stored with the open page.
    readonly HashSet<string> unpublished = new(StringComparer.Ordinal);
    // Posts whose acknowledgement (the write that holds them, then their queue message) runs or failed: a
    // repeated post of such an id waits for it, or tries it again, instead of answering at once.
    readonly Dictionary<string, Task> unacknowledged = new(StringComparer.Ordinal);
    GroupCommit commit = null!;
    // Published since the last write: the stored outbox still names ids that are on the queue.
    bool outboxUnsaved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        items = new ActivityPages(storage, this.GetGrainId(), "stream", options.Value);
        commit = new GroupCommit(Persist);
        var (stored, pending) = await items.Load(cancellationToken);
        if (!stored)
            pending = await CarryOverEarlierFormats(pending, cancellationToken);
        if (pending.Count == 0)
            return;
        // A previous activation may have died between storing these posts and queueing their fan-out.
        unpublished.UnionWith(pending);
        await Publish(pending, repeat: true);
        try
        {
            items.Touch();
            await commit.Write();
        }
        catch (Exception e)
        {
            // Harmless: the next activation publishes them once more, and feeds drop repeats.
            LogOutboxNotCleared(e, this.GetPrimaryKeyString());
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Otherwise the next activation would publish the last posts again. Not while the silo stops: another
        // silo may already run the next activation, whose first post this write would turn into a version
        // conflict (see ProductGrain.OnDeactivateAsync).
        if (!outboxUnsaved || reason.ReasonCode == DeactivationReasonCode.ShuttingDown)
            return;
        try
        {
            items.Touch();
            await commit.Write();
        }
        catch (Exception e)
        {
            LogOutboxNotCleared(e, this.GetPrimaryKeyString());
        }
    }

    /// <summary>Moves a stream stored in an earlier format (one JSON document, or a head and a tail) into
    /// pages, then deletes the old rows. Streams are the source of record of a user's activities, so they are
    /// carried over, not dropped; a crash half-way repeats the move, keeping what the pages already hold.
    /// Returns the ids the old format and the pages hold as not yet fanned out: they are queued again.</summary>
    async Task<IReadOnlyList<string>> CarryOverEarlierFormats(IReadOnlyList<string> unpublishedInPages,
        CancellationToken cancellationToken)
    {
        var single = new GrainState<ActivityStreamState>(new ActivityStreamState());
        var head = new GrainState<ActivityStreamState>(new ActivityStreamState());
        var tail = new GrainState<ActivityStreamState>(new ActivityStreamState());
        await Task.WhenAll(
            mainStorage.ReadStateAsync(SingleDocumentState, this.GetGrainId(), single, cancellationToken),
            storage.ReadStateAsync(HeadState, this.GetGrainId(), head, cancellationToken),
            storage.ReadStateAsync(TailState, this.GetGrainId(), tail, cancellationToken));
        if (!single.RecordExists && !head.RecordExists && !tail.RecordExists)
            return unpublishedInPages;
        var old = (single.State?.Items ?? []).Concat(tail.State?.Items ?? []).Concat(head.State?.Items ?? [])
            .DistinctBy(item => item.Id, StringComparer.Ordinal)
            .OrderBy(item => item.CreatedAt.UtcTicks).ThenBy(item => item.Id, StringComparer.Ordinal);
        items.CarryOver(old);
        var pending = (single.State?.Unconfirmed ?? []).Concat(head.State?.Unconfirmed ?? []).Concat(unpublishedInPages)
            .Where(id => items.TryGet(id, out _)).Distinct(StringComparer.Ordinal).ToList();
        await items.Write(pending, cancellationToken);
        foreach (var (state, row, from) in new[] { (single, SingleDocumentState, mainStorage), (head, HeadState, storage), (tail, TailState, storage) })
        {
            if (state.RecordExists)
                await from.ClearStateAsync(row, this.GetGrainId(), state, cancellationToken);
        }
        LogCarriedOver(this.GetPrimaryKeyString(), items.Count);
        return pending;
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
        unpublished.Add(view.Id);
        foreach (var old in items.TrimToKeep())
        {
            unpublished.Remove(old.Id);
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
        await Publish([view.Id], repeat: false);
        unacknowledged.Remove(view.Id);
    }

    async Task Publish(IReadOnlyList<string> ids, bool repeat)
    {
        // A user with no friends has no feed to fill: the fan-out would read an empty friend list. Asking
        // first saves the queue a message and the cluster a fan-out for every post of such a user (a new user,
        // a reviewer importing a catalogue). A friend made a moment later misses the post either way.
        // A friend.added item has a friend by definition, and is posted by the friends grain in the middle of
        // its Befriend: asking that grain back would close a loop of calls, which stalls for the whole grain
        // call timeout when the rebalancer moves the friends grain meanwhile (it holds new calls, interleaving
        // ones too, until its running call ends).
        var hasFriends = ids.All(IsFriendAdded)
            || await GrainFactory.GetGrain<IFriendsGrain>(this.GetPrimaryKeyString()).Count() > 0;
        foreach (var id in ids)
        {
            if (!items.TryGet(id, out var item))
                continue;
            if (hasFriends)
                await this.PublishToQueue(ActivityQueue.FanOutNamespace, ActivityQueue.FanOutKey(item.UserId, item.Id), item, repeat);
            // In memory only; the next write (or the deactivation) stores it.
            unpublished.Remove(id);
            outboxUnsaved = true;
        }
    }

    bool IsFriendAdded(string id) => items.TryGet(id, out var item) && item.Kind == ActivityKinds.FriendAdded;

    async Task Persist()
    {
        try
        {
            outboxUnsaved = false;
            await items.Write(unpublished);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: activity stream carried over into pages ({Count} activities)")]
    partial void LogCarriedOver(string userId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: storing the emptied outbox failed; the next activation publishes it once more")]
    partial void LogOutboxNotCleared(Exception exception, string userId);
}

/// <summary>The queue that carries activities to the fan-out.</summary>
public static class ActivityQueue
{
    /// <summary>Stream namespace of posted activities, one stream per activity.</summary>
    public const string FanOutNamespace = "activity-fanout";

    /// <summary>The key of the fan-out grain (and queue stream) that carries the activity: "{author}/{activity id}".
    /// The queue hands a stream one delivery at a time and a fan-out holds its message until every feed has
    /// written the activity (seconds), so a stream of its own keeps one activity's fan-out from waiting for
    /// another's: an author's activities fan out side by side, however fast they come. A repeated activity
    /// takes the same stream.</summary>
    public static string FanOutKey(string authorId, string activityId) => $"{authorId}/{activityId}";
}

/// <summary>A stream as stored before pages: one JSON document (state "activity-stream" in
/// <see cref="StorageNames.Main"/>), or a head and a tail document. Read only to carry it over.</summary>
[GenerateSerializer]
public sealed class ActivityStreamState
{
    [Id(0)] public List<ActivityView> Items { get; set; } = [];

    /// <summary>Ids of stored activities whose fan-out was not confirmed yet.</summary>
    [Id(1)] public List<string> Unconfirmed { get; set; } = [];
}
