using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansScale.Caching;
using OrleansScale.Products;
using OrleansScale.Users;

namespace OrleansScale.Sessions;

/// <summary>A session and its cart. API processes may keep copies of what <see cref="Touch"/> answers
/// (<see cref="SessionView.Announced"/>): every change a copy could contradict (a cart line, a sign-out) is
/// announced to the token's <see cref="ISessionCacheRegistryGrain"/> partition before it is written. The
/// expiry is not announced: it only moves later, and a copy is served only until the expiry it holds.</summary>
[GrainType("session")]
public sealed partial class SessionGrain(
    [PersistentState("session", StorageNames.Main)] IPersistentState<SessionState> state,
    IOptions<SessionOptions> options,
    IOptions<SessionCacheRegistryOptions> cacheRegistry,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain
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
            // No copy is served past the expiry it holds, which is at most this one: nothing to announce.
            await End();
            return null;
        }

        state.State.ExpiresAt = now + options.Value.IdleTimeout;
        if (state.State.ExpiresAt - persistedExpiresAt >= options.Value.ExpiryWriteInterval)
            await Persist();
        return View(state.State);
    }

    public async Task Close()
    {
        if (state.State.User is not null)
            await AnnounceToCopies();
        await End();
    }

    async Task End()
    {
        try
        {
            if (state.RecordExists)
                await state.ClearStateAsync();
        }
        catch (InconsistentStateException)
        {
            // The row changed or went under this activation: swept after expiry, or written by an
            // overlapping activation during a failover. Clear what is stored now, so that a signed-out
            // session can never come back.
            await state.ReadStateAsync();
            if (state.RecordExists)
                await state.ClearStateAsync();
        }
        state.State = new SessionState();
        DeactivateOnIdle();
    }

    public ValueTask<CartView?> GetCart() =>
        ValueTask.FromResult(IsOpen ? Cart() : null);

    public async Task<CartChange> SetCartLine(string productId, int quantity)
    {
        if (!IsOpen)
            return new CartChange(CartOutcome.NoSession, null);
        if (quantity is < CartLimits.MinQuantity or > CartLimits.MaxQuantity)
            return new CartChange(CartOutcome.InvalidQuantity, Cart());
        var lines = state.State.Cart;
        var at = lines.FindIndex(l => l.ProductId == productId);
        if (at < 0 && lines.Count >= CartLimits.MaxLines)
            return new CartChange(CartOutcome.TooManyLines, Cart());
        if (!await GrainFactory.GetGrain<IProductGrain>(productId).Exists())
            return new CartChange(CartOutcome.UnknownProduct, Cart());
        await AnnounceToCopies();
        if (at < 0)
            lines.Add(new CartLine(productId, quantity));
        else
            lines[at] = lines[at] with { Quantity = quantity };
        await Persist();
        return new CartChange(CartOutcome.Done, Cart());
    }

    public async Task<CartView?> RemoveCartLine(string productId)
    {
        if (!IsOpen)
            return null;
        if (state.State.Cart.Exists(l => l.ProductId == productId))
        {
            await AnnounceToCopies();
            state.State.Cart.RemoveAll(l => l.ProductId == productId);
            await Persist();
        }
        return Cart();
    }

    // Touch (which every authenticated request makes first) closes an expired session.
    bool IsOpen => state.State.User is not null && clock.GetUtcNow() < state.State.ExpiresAt;

    CartView Cart() => CartOf(state.State);

    static CartView CartOf(SessionState s) => new(s.Cart.ToList());

    async Task Persist()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Memory now holds a change storage refused (the database failed, or another activation wrote
            // first): this activation ends after this call, and the next call reads what is stored, so the
            // refused change is never shown.
            DeactivateOnIdle();
            throw;
        }
        persistedExpiresAt = state.State.ExpiresAt;
    }

    /// <summary>Before a change is written, every API process drops its copy of the session, or the registry
    /// waits until it can no longer serve one: no request after the acknowledgement sees the cart before it or
    /// a signed-out token alive. An announcement that cannot be confirmed refuses the change before anything
    /// is changed.</summary>
    async Task AnnounceToCopies()
    {
        var token = this.GetPrimaryKeyString();
        var registry = GrainFactory.GetGrain<ISessionCacheRegistryGrain>(
            CopyPartition.Of(token, cacheRegistry.Value.RegistryPartitions));
        try
        {
            await CopyAnnouncement.Send(() => registry.SessionChanging(token));
        }
        catch (Exception e)
        {
            LogAnnounceFailed(e, state.State.User?.UserId);
            throw new SessionCacheUnavailableException(
                "The change of the session could not be announced to the API processes' copies; nothing was changed.", e);
        }
    }

    static SessionView View(SessionState s) =>
        new(s.User!.UserId, s.User.UserName, s.User.IsAdmin, s.CreatedAt, s.ExpiresAt, CartOf(s), Announced: true);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change of a session of user {UserId} could not be announced to the API processes' copies and was refused")]
    partial void LogAnnounceFailed(Exception exception, string? userId);
}

/// <summary>A session (state "session"): who is signed in (user id, a user name of at most
/// <see cref="UserLimits.MaxUserNameLength"/> characters), its times, and the cart, at most
/// <see cref="CartLimits.MaxLines"/> (100) lines of a product id and a quantity.</summary>
[GenerateSerializer]
public sealed class SessionState
{
    public const int MaxStoredBytes = 2 * StoredSize.Object + UserLimits.MaxUserNameLength * StoredSize.BytesPerChar
        + CartLimits.MaxLines * StoredSize.Entry;

    [Id(0)] public SessionUser? User { get; set; }
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public DateTimeOffset ExpiresAt { get; set; }
    [Id(3)] public List<CartLine> Cart { get; set; } = [];
}
