namespace OrleansScale.Users;

[GrainType("user")]
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Main)] IPersistentState<UserState> state) : Grain, IUserGrain
{
    public ValueTask<UserProfile?> GetProfile() => ValueTask.FromResult(state.State.Profile);

    public async Task<UserProfile> Create(UserProfile profile)
    {
        if (state.State.Profile is { } existing)
            return existing;
        state.State.Profile = profile;
        await state.WriteStateAsync();
        return profile;
    }
}

/// <summary>A user's profile (state "user"): id, a user name of at most
/// <see cref="UserLimits.MaxUserNameLength"/> and a display name of at most
/// <see cref="UserLimits.MaxDisplayNameLength"/> characters, a flag and a time. Written once.</summary>
[GenerateSerializer]
public sealed class UserState
{
    public const int MaxStoredBytes = 2 * StoredSize.Object
        + (UserLimits.MaxUserNameLength + UserLimits.MaxDisplayNameLength) * StoredSize.BytesPerChar;

    [Id(0)] public UserProfile? Profile { get; set; }
}
