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

[GenerateSerializer]
public sealed class UserState
{
    [Id(0)] public UserProfile? Profile { get; set; }
}
