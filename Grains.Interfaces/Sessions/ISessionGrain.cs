namespace OrleansScale.Sessions;

/// <summary>A signed-in session, keyed by its unguessable token. It lives in the cluster, not in
/// any API process, so every API clone serves every session, and signing out is seen by all at once.</summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Starts the session for a user; durable when the task completes.</summary>
    Task<SessionView> Open(SessionUser user);

    /// <summary>The session if it is open and not expired, sliding its expiry, with its cart; null otherwise.
    /// Served from memory. Every signed-in request makes this call first, so a request that reads the cart
    /// needs no second one.</summary>
    ValueTask<SessionView?> Touch();

    /// <summary>Ends the session everywhere; durable when the task completes. Idempotent.</summary>
    Task Close();

    /// <summary>The session's cart, from memory; null if the session is not open.</summary>
    ValueTask<CartView?> GetCart();

    /// <summary>Sets the quantity of a product in the cart (adding the line if needed), if the product
    /// exists and the cart stays within its limits; durable when the task completes.</summary>
    Task<CartChange> SetCartLine(string productId, int quantity);

    /// <summary>Removes a product's line, if any; durable when the task completes. Null if the session is not open.</summary>
    Task<CartView?> RemoveCartLine(string productId);
}

[GenerateSerializer, Immutable]
public sealed record SessionUser(
    [property: Id(0)] string UserId,
    [property: Id(1)] string UserName,
    [property: Id(2)] bool IsAdmin);

[GenerateSerializer, Immutable]
public sealed record SessionView(
    [property: Id(0)] string UserId,
    [property: Id(1)] string UserName,
    [property: Id(2)] bool IsAdmin,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    // Null from a silo of a version before the cart was part of the view (during a roll): ask GetCart then.
    [property: Id(5)] CartView? Cart = null,
    // True when the grain announces every change of the session to the session cache registry before it
    // acknowledges it, so an API process may keep this view as a copy; false from a silo of an earlier
    // version (during a roll), whose changes nobody would hear of.
    [property: Id(6)] bool Announced = false);
