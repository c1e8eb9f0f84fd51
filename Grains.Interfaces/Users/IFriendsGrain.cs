namespace OrleansScale.Users;

/// <summary>One user's friends, keyed by the user id: the cache of record of the user's side of
/// every friendship. Friendship is mutual; each side lives in its own user's grain.</summary>
public interface IFriendsGrain : IGrainWithStringKey
{
    /// <summary>The ids of this user's friends, served from memory.</summary>
    ValueTask<IReadOnlyList<string>> FriendIds();

    /// <summary>How many friends this user has, served from memory.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    ValueTask<int> Count();

    /// <summary>Makes this user and <paramref name="friendId"/> friends of each other and posts a
    /// <see cref="Activities.ActivityKinds.FriendAdded"/> activity of this user. Idempotent: befriending
    /// a friend again changes nothing. Both sides are durable when the task completes; if it fails
    /// half-way, a check queued before either side changed brings the other side back in line with
    /// this one.</summary>
    Task<FriendshipOutcome> Befriend(string friendId);

    /// <summary>Ends the friendship on both sides. Idempotent; recoverable like <see cref="Befriend"/>.</summary>
    Task<FriendshipOutcome> Unfriend(string friendId);

    /// <summary>The other side of <see cref="Befriend"/>, called by the requester's grain: adds the
    /// requester unless this user is at the friend limit. Returns whether the requester is now a friend.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> Accept(string requesterId);

    /// <summary>The other side of <see cref="Unfriend"/>: removes the requester. Idempotent.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task Release(string requesterId);

    /// <summary>Repair: makes this side say what the other user's side says (friends or not), without
    /// the friend limit, because the other side only holds a friendship this side once accepted.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task Align(string otherId, bool friends);
}

public enum FriendshipOutcome
{
    /// <summary>The change is made (or was already in place).</summary>
    Done,
    /// <summary>A user cannot befriend or unfriend itself.</summary>
    Self,
    /// <summary>No user has the other id.</summary>
    UnknownUser,
    /// <summary>This user already has the maximum number of friends.</summary>
    TooManyFriends,
    /// <summary>The other user already has the maximum number of friends.</summary>
    FriendHasTooManyFriends,
}
