namespace OrleansScale.Products;

/// <summary>The API processes that keep a near cache of product aggregates, and the one place every
/// product change is announced to them. A product grain announces each change here before it
/// acknowledges the write, so a read through any API process after the acknowledgement sees the new
/// version. There is one registry (key 0); its list of subscribers lives in memory only, and each new
/// activation has a new <see cref="ProductCacheLease.Epoch"/>, which tells subscribers that changes may
/// have been announced while nobody was listening.</summary>
public interface IProductCacheRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Subscribes the observer, or renews its subscription. A subscriber that does not renew
    /// within <see cref="ProductCacheLease.Expiry"/>, or that fails to take an announcement, is dropped;
    /// <see cref="ProductCacheLease.WasSubscribed"/> then comes back false on its next renewal.</summary>
    ValueTask<ProductCacheLease> Subscribe(IProductCacheObserver observer);

    /// <summary>Tells every subscriber that the product changed (created, replaced, reviewed or
    /// deleted); completes when each has taken it or been dropped.</summary>
    Task ProductChanged(string productId, long version);
}

/// <summary>An API process's near cache, as the registry calls it.</summary>
public interface IProductCacheObserver : IGrainObserver
{
    /// <summary>The product is now at <paramref name="version"/>: drop any older copy.</summary>
    Task ProductChanged(string productId, long version);
}

/// <param name="Epoch">Identifies the registry's activation; a new one has forgotten its subscribers.</param>
/// <param name="WasSubscribed">False when this observer was not subscribed before this call, so it may
/// have missed announcements.</param>
[GenerateSerializer, Immutable]
public sealed record ProductCacheLease(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] bool WasSubscribed)
{
    /// <summary>How long a subscription lasts without renewal.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);
}
