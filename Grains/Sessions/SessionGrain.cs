using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OrleansScale.Sessions;

[GrainType("session")]
public sealed class SessionGrain(
    [PersistentState("session", StorageNames.Main)] IPersistentState<SessionState> state,
    IOptions<SessionOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock) : Grain, ISessionGrain
{
    // The expiry storage holds; the in-memory one runs ahead of it by less than ExpiryWriteInterval.
    DateTimeOffset persistedExpiresAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        persistedExpiresAt = state.State.ExpiresAt;
        return Task.CompletedTask;
    }

    public async Task<SessionView> Open(SessionUser user)
    {
        var now = clock.GetUtcNow();
        state.State = new SessionState
        {
            User = user,
            CreatedAt = now,
            ExpiresAt = now + options.Value.IdleTimeout,
        };
        await Persist();
        return View(state.State);
    }

    public async ValueTask<SessionView?> Touch()
    {
        if (state.State.User is null)
            return null;
        var now = clock.GetUtcNow();
        if (now >= state.State.ExpiresAt)
        {
            await Close();
            return null;
        }

        state.State.ExpiresAt = now + options.Value.IdleTimeout;
        if (state.State.ExpiresAt - persistedExpiresAt >= options.Value.ExpiryWriteInterval)
            await Persist();
        return View(state.State);
    }

    public async Task Close()
    {
        if (state.RecordExists)
            await state.ClearStateAsync();
        state.State = new SessionState();
        DeactivateOnIdle();
    }

    async Task Persist()
    {
        await state.WriteStateAsync();
        persistedExpiresAt = state.State.ExpiresAt;
    }

    static SessionView View(SessionState s) =>
        new(s.User!.UserId, s.User.UserName, s.User.IsAdmin, s.CreatedAt, s.ExpiresAt);
}

[GenerateSerializer]
public sealed class SessionState
{
    [Id(0)] public SessionUser? User { get; set; }
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public DateTimeOffset ExpiresAt { get; set; }
}
