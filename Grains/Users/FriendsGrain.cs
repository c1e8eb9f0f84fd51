using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansScale.Activities;

namespace OrleansScale.Users;

/// <summary>One side of every friendship of a user. A change starts at the grain of the user who asks
/// for it (the requester), which first queues a durable <see cref="FriendshipCheck"/> to itself, then
/// changes both sides. If anything fails half-way, the check arrives after the failed call and makes the
/// other side agree with the requester's side, so a one-sided friendship lasts only until the queue
/// delivers (about a second), whoever reads what in the meantime.</summary>
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

    string Me => this.GetPrimaryKeyString();
    Dictionary<string, DateTimeOffset> Friends => state.State.Friends;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        commit = new GroupCommit(Persist);
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
            await QueueCheck(friendId);
            if (!await GrainFactory.GetGrain<IFriendsGrain>(friendId).Accept(Me))
                return FriendshipOutcome.FriendHasTooManyFriends;
            since = clock.GetUtcNow();
            Friends[friendId] = since;
            await commit.Write();
            LogBefriended(Me, friendId);
        }
        // Posted again when already friends: the id is the same, so a retry after a failure here posts
        // the activity that the first attempt missed and never a second one.
        await GrainFactory.GetGrain<IActivityStreamGrain>(Me).Post(new NewActivity(
            $"friend:{friendId}:{since.UtcTicks}", ActivityKinds.FriendAdded, friendId,
            $"{me.DisplayName} is now friends with {friend.DisplayName}"));
        return FriendshipOutcome.Done;
    }

    public async Task<FriendshipOutcome> Unfriend(string friendId)
    {
        if (friendId == Me)
            return FriendshipOutcome.Self;
        if (!Friends.ContainsKey(friendId) && await GrainFactory.GetGrain<IUserGrain>(friendId).GetProfile() is null)
            return FriendshipOutcome.UnknownUser;
        await QueueCheck(friendId);
        if (Friends.Remove(friendId))
        {
            await commit.Write();
            LogUnfriended(Me, friendId);
        }
        // Also when this side held no friendship: it may be the other side that is left over.
        await GrainFactory.GetGrain<IFriendsGrain>(friendId).Release(Me);
        return FriendshipOutcome.Done;
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

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<FriendshipCheck>().ResumeAsync((check, _) => Check(check));

    /// <summary>Runs after the change that queued it has finished or failed (stream deliveries do not
    /// interleave with Befriend or Unfriend), and makes the other side agree with this one.</summary>
    Task Check(FriendshipCheck check) =>
        GrainFactory.GetGrain<IFriendsGrain>(check.OtherId).Align(Me, Friends.ContainsKey(check.OtherId));

    Task QueueCheck(string otherId) =>
        this.GetStreamProvider(StreamProviders.Queue)
            .GetStream<FriendshipCheck>(StreamId.Create(FriendshipCheck.Namespace, Me))
            .OnNextAsync(new FriendshipCheck(otherId));

    async Task Persist()
    {
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

/// <summary>"Make the other user's side of our friendship agree with mine", queued by the requester's
/// grain to itself before a friendship change.</summary>
[GenerateSerializer, Immutable]
public sealed record FriendshipCheck([property: Id(0)] string OtherId)
{
    public const string Namespace = "friendship-check";
}

[GenerateSerializer]
public sealed class FriendsState
{
    /// <summary>Friend id → when this side recorded the friendship.</summary>
    [Id(0)] public Dictionary<string, DateTimeOffset> Friends { get; set; } = new(StringComparer.Ordinal);
}
