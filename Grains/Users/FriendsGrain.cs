using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansScale.Activities;
using OrleansScale.Queue;

namespace OrleansScale.Users;

/// <summary>One side of every friendship of a user. A change starts at the grain of the user who asks
/// for it (the requester), which first records durably that the pair needs checking, then changes both
/// sides, then clears the record. If anything fails half-way, the check makes the other side agree with
/// the requester's side: at once when the next step fails in this activation (after
/// <see cref="FriendOptions.RepairAfter"/>), or when the activation comes back after its silo died,
/// woken by a <see cref="FriendshipCheck"/> queued durably before the change, or by any later call.</summary>
[GrainType("friends")]
[ImplicitStreamSubscription(FriendshipCheck.Namespace)]
public sealed partial class FriendsGrain(
    [PersistentState("friends", StorageNames.Main)] IPersistentState<FriendsState> state,
    IOptions<FriendOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<FriendsGrain> logger) : Grain, IFriendsGrain, IStreamSubscriptionObserver
{
    // Accept, Release and Align interleave with a running Befriend or Unfriend (two users befriending
    // each other at the same moment would otherwise wait on each other), so writes go through one
    // group commit rather than overlap.
    GroupCommit commit = null!;
    // The friendships as they are now. The storage provider serializes state.State on a thread of its own
    // after its first await, while interleaving calls go on changing the friendships, so state.State only
    // ever holds a copy made for one write, which nothing changes.
    FriendsState live = null!;
    IGrainTimer? repairTimer;

    string Me => this.GetPrimaryKeyString();
    Dictionary<string, DateTimeOffset> Friends => live.Friends;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        live = state.State.Copy();
        commit = new GroupCommit(Persist);
        // A previous activation died between recording a change and finishing it.
        if (live.PendingChecks.Count > 0)
            ScheduleRepair(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>> FriendIds() => ValueTask.FromResult<IReadOnlyList<string>>([.. Friends.Keys]);

    public ValueTask<int> Count() => ValueTask.FromResult(Friends.Count);

    public async Task<FriendshipOutcome> Befriend(string friendId)
    {
        if (friendId == Me)
            return FriendshipOutcome.Self;
        var profiles = await Task.WhenAll(
            GrainFactory.GetGrain<IUserGrain>(Me).GetProfile().AsTask(),
            GrainFactory.GetGrain<IUserGrain>(friendId).GetProfile().AsTask());
        if (profiles[0] is not { } me || profiles[1] is not { } friend)
            return FriendshipOutcome.UnknownUser;

        if (!Friends.TryGetValue(friendId, out var since))
        {
            if (Friends.Count >= options.Value.MaxFriends)
                return FriendshipOutcome.TooManyFriends;
            await Recording(friendId, async () =>
            {
                if (await GrainFactory.GetGrain<IFriendsGrain>(friendId).Accept(Me))
                    Friends[friendId] = clock.GetUtcNow();
            });
            if (!Friends.TryGetValue(friendId, out since))
                return FriendshipOutcome.FriendHasTooManyFriends;
            LogBefriended(Me, friendId);
        }
        // Posted again when already friends: the id is the same, so a retry after a failure here posts
        // the activity that the first attempt missed and never a second one.
        await GrainFactory.GetGrain<IActivityStreamGrain>(Me).Post(new NewActivity(
            $"friend:{Me}:{friendId}:{since.UtcTicks}", ActivityKinds.FriendAdded, friendId,
            $"{me.DisplayName} is now friends with {friend.DisplayName}"));
        return FriendshipOutcome.Done;
    }

    public async Task<FriendshipOutcome> Unfriend(string friendId)
    {
        if (friendId == Me)
            return FriendshipOutcome.Self;
        if (!Friends.ContainsKey(friendId) && await GrainFactory.GetGrain<IUserGrain>(friendId).GetProfile() is null)
            return FriendshipOutcome.UnknownUser;
        await Recording(friendId, () =>
        {
            Friends.Remove(friendId);
            // Also when this side held no friendship: it may be the other side that is left over.
            return GrainFactory.GetGrain<IFriendsGrain>(friendId).Release(Me);
        });
        LogUnfriended(Me, friendId);
        return FriendshipOutcome.Done;
    }

    /// <summary>Runs a two-sided change: records that the pair needs checking (durable before anything
    /// else changes), queues the wake-up, runs the change, and writes this side together with the
    /// cleared record. If the change fails, the record stays and the repair timer takes over.</summary>
    async Task Recording(string otherId, Func<Task> change)
    {
        if (live.PendingChecks.Count >= FriendsState.MaxPendingChecks && !live.PendingChecks.Contains(otherId))
        {
            ScheduleRepair(TimeSpan.Zero);
            throw new QueueUnavailableException(
                $"User {Me} has {live.PendingChecks.Count} friendship changes that have not finished yet; try again when they are repaired.");
        }
        live.PendingChecks.Add(otherId);
        await commit.Write();
        try
        {
            await QueueCheck(otherId);
            await change();
        }
        catch
        {
            ScheduleRepair(options.Value.RepairAfter);
            throw;
        }
        live.PendingChecks.Remove(otherId);
        await commit.Write();
    }

    public async Task<bool> Accept(string requesterId)
    {
        if (Friends.ContainsKey(requesterId))
            return true;
        if (Friends.Count >= options.Value.MaxFriends)
            return false;
        Friends[requesterId] = clock.GetUtcNow();
        await commit.Write();
        return true;
    }

    public async Task Release(string requesterId)
    {
        if (Friends.Remove(requesterId))
            await commit.Write();
    }

    public async Task Align(string otherId, bool friends)
    {
        if (friends == Friends.ContainsKey(otherId))
            return;
        if (friends)
            Friends[otherId] = clock.GetUtcNow();
        else
            Friends.Remove(otherId);
        await commit.Write();
        LogRepaired(Me, otherId, friends);
    }

    // Any number of wake-ups at once run the recorded checks once.
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Consume<FriendshipCheck>(ServiceProvider.GetRequiredService<QueueDeliveries>(), nameof(FriendsGrain), bounded: true,
            (_, cancellationToken) => RunPendingChecks(cancellationToken));

    /// <summary>Makes the other side of every recorded pair agree with this side. Never interleaves with
    /// Befriend or Unfriend (stream deliveries and this timer do not), so it sees finished changes only.</summary>
    async Task RunPendingChecks(CancellationToken cancellationToken)
    {
        var pending = live.PendingChecks.ToList();
        foreach (var otherId in pending)
            await GrainFactory.GetGrain<IFriendsGrain>(otherId).Align(Me, Friends.ContainsKey(otherId));
        if (pending.Count > 0)
        {
            live.PendingChecks.ExceptWith(pending);
            await commit.Write();
        }
        repairTimer?.Dispose();
        repairTimer = null;
    }

    void ScheduleRepair(TimeSpan dueTime) =>
        repairTimer ??= this.RegisterGrainTimer(RunPendingChecks,
            new GrainTimerCreationOptions(dueTime, options.Value.RepairAfter) { KeepAlive = true });

    Task QueueCheck(string otherId) => this.PublishToQueue(FriendshipCheck.Namespace, Me, new FriendshipCheck(otherId));

    async Task Persist()
    {
        state.State = live.Copy();
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            DeactivateOnIdle(); // another activation wrote meanwhile: reload rather than keep failing
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} befriended {FriendId}")]
    partial void LogBefriended(string userId, string friendId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} unfriended {FriendId}")]
    partial void LogUnfriended(string userId, string friendId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repaired a one-sided friendship: user {UserId} now {Friends} with {OtherId}")]
    partial void LogRepairedCore(string userId, string friends, string otherId);

    void LogRepaired(string userId, string otherId, bool friends) =>
        LogRepairedCore(userId, friends ? "friends" : "not friends", otherId);
}

/// <summary>A wake-up for a friends grain with pending checks, queued by the requester's grain to itself
/// before a friendship change, so that the check runs even if the grain's silo dies and nobody calls it.</summary>
[GenerateSerializer, Immutable]
public sealed record FriendshipCheck([property: Id(0)] string OtherId)
{
    public const string Namespace = "friendship-check";
}

/// <summary>One side of a user's friendships (state "friends"): at most
/// <see cref="FriendOptions.MaxFriends"/> (<c>Friends:MaxFriends</c>, 5,000 by default) friends, each an id
/// and a time, and at most <see cref="MaxPendingChecks"/> ids of changes that have not finished yet.</summary>
[GenerateSerializer]
public sealed class FriendsState
{
    /// <summary>The most unfinished friendship changes a user may have: a further change is refused (503)
    /// until the repairs catch up.</summary>
    public const int MaxPendingChecks = 100;

    /// <summary>The stored document's bound with these friendship settings.</summary>
    public static long MaxStoredBytes(FriendOptions friends) =>
        StoredSize.Object + (long)(friends.MaxFriends + MaxPendingChecks) * StoredSize.Entry;

    /// <summary>Friend id → when this side recorded the friendship.</summary>
    [Id(0)] public Dictionary<string, DateTimeOffset> Friends { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Other users whose side of the friendship may disagree with this side: recorded before
    /// a change, cleared when it finished.</summary>
    [Id(1)] public HashSet<string> PendingChecks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A copy that shares nothing changeable with this one.</summary>
    public FriendsState Copy() => new()
    {
        Friends = new(Friends, StringComparer.Ordinal),
        PendingChecks = new(PendingChecks, StringComparer.Ordinal),
    };
}
