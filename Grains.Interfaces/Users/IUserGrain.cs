namespace OrleansScale.Users;

/// <summary>A user's profile, keyed by the user id. The cache of record for who the user is.</summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>The profile, served from memory; null if no user has this id.</summary>
    ValueTask<UserProfile?> GetProfile();

    /// <summary>Creates the profile if it does not exist yet; calling it again with the same
    /// profile changes nothing, so a registration that failed half-way can be completed.</summary>
    Task<UserProfile> Create(UserProfile profile);
}

[GenerateSerializer, Immutable]
public sealed record UserProfile(
    [property: Id(0)] string Id,
    [property: Id(1)] string UserName,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] bool IsAdmin,
    [property: Id(4)] DateTimeOffset CreatedAt);
