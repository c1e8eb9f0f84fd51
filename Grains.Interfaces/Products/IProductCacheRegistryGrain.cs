using OrleansScale.Caching;

namespace OrleansScale.Products;

/// <summary>One partition of the API processes' near caches of product aggregates, and the place every change
/// of the partition's products is announced to them. A product grain announces a change here before it
/// writes it, and writes only once every subscriber has dropped its copy or can no longer serve it, so that
/// no API process answers an older version once the write is acknowledged. The key is the partition
/// (<see cref="ProductCachePartition.Of"/>); the list of subscribers lives in memory only, and each new
/// activation has a new <see cref="ProductCacheLease.Epoch"/>, which tells subscribers that changes may
/// have been announced while nobody was listening.</summary>
public interface IProductCacheRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Subscribes the observer, or renews its subscription. A subscriber that does not renew
    /// within <see cref="ProductCacheLease.Expiry"/>, or that fails to take an announcement, is dropped;
    /// <see cref="ProductCacheLease.WasSubscribed"/> then comes back false on its next renewal.</summary>
    ValueTask<ProductCacheLease> Subscribe(IProductCacheObserver observer);

    /// <summary>Tells every subscriber that the product is about to become <paramref name="version"/>
    /// (created, replaced, reviewed or deleted). Completes when each has dropped its copy, or has been
    /// dropped and its last lease has run out, so that none of them serves the old version any longer.</summary>
    Task ProductChanging(string productId, long version);

    /// <summary>Does nothing but activate the partition, so that a silo that starts can begin the wait of a new
    /// activation (<see cref="ProductCacheLease.ServeFor"/>) before the first change needs the partition.</summary>
    ValueTask Activate();
}

/// <summary>An API process's near cache, as the registry calls it.</summary>
public interface IProductCacheObserver : IGrainObserver
{
    /// <summary>The product is about to become <paramref name="version"/>: drop the copy, and do not keep
    /// one fetched before this call.</summary>
    Task ProductChanging(string productId, long version);
}

/// <param name="Epoch">Identifies the registry's activation; a new one has forgotten its subscribers.</param>
/// <param name="WasSubscribed">False when this observer was not subscribed before this call, so it may
/// have missed announcements.</param>
/// <param name="Partitions">How many registry partitions the cluster's products announce to.</param>
[GenerateSerializer, Immutable]
public sealed record ProductCacheLease(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] bool WasSubscribed,
    [property: Id(2)] int Partitions)
{
    /// <summary>How long a subscription lasts without renewal (<see cref="CopyLeases.Expiry"/>).</summary>
    public static TimeSpan Expiry => CopyLeases.Expiry;

    /// <summary>How long a subscriber may serve copies after it sent the renewal that granted this lease
    /// (<see cref="CopyLeases.ServeFor"/>).</summary>
    public static TimeSpan ServeFor => CopyLeases.ServeFor;
}
