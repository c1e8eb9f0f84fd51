namespace OrleansScale.Sessions;

/// <summary>One partition of the API processes' copies of sessions, and the place every change of the
/// partition's sessions (a cart line set or removed, a sign-out) is announced to them, by the same protocol
/// as the products' registry: the session grain announces before it writes, and acknowledges only once every
/// subscriber has dropped its copy or can no longer serve it, so a signed-out token is dead on every API
/// process before the sign-out answers. The key is the partition (<see cref="Caching.CopyPartition.Of"/> of
/// the token); subscribers live in memory only, and a new activation has a new epoch.</summary>
public interface ISessionCacheRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Subscribes the observer, or renews its subscription (<see cref="Caching.CopyLeases"/>).</summary>
    ValueTask<SessionCacheLease> Subscribe(ISessionCacheObserver observer);

    /// <summary>Tells every subscriber that the session is about to change or end. Completes when each has
    /// dropped its copy, or has been dropped and its last lease has run out.</summary>
    Task SessionChanging(string token);

    /// <summary>Does nothing but activate the partition, so that its first wait starts when a silo starts.</summary>
    ValueTask Activate();
}

/// <summary>An API process's copies of sessions, as the registry calls them.</summary>
public interface ISessionCacheObserver : IGrainObserver
{
    /// <summary>The session is about to change or end: drop the copy, and do not keep one fetched before this call.</summary>
    Task SessionChanging(string token);
}

/// <param name="Epoch">Identifies the registry's activation; a new one has forgotten its subscribers.</param>
/// <param name="WasSubscribed">False when this observer was not subscribed before this call, so it may
/// have missed announcements.</param>
/// <param name="Partitions">How many registry partitions the cluster's sessions announce to.</param>
[GenerateSerializer, Immutable]
public sealed record SessionCacheLease(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] bool WasSubscribed,
    [property: Id(2)] int Partitions);

/// <summary>A change of a session (a cart line, a sign-out) was refused because the API processes' copies of
/// sessions could not all be told of it in time. Nothing was changed: the announcement goes out before the
/// write. The API answers 503 with Retry-After.</summary>
[GenerateSerializer]
public sealed class SessionCacheUnavailableException : Exception
{
    public SessionCacheUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
