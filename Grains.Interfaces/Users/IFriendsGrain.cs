namespace OrleansScale.Users;

/// <summary>One user's friends, keyed by the user id: the cache of record of the user's side of
/// every friendship. Friendship is mutual; each side lives in its own user's grain.</summary>
public interface IFriendsGrain : IGrainWithStringKey
{
    /// <summary>The ids of this user's friends, served from memory.</summary>
    ValueTask<IReadOnlyList<string>> FriendIds();
}
