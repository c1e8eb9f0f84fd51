using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Utilities;

namespace OrleansScale.Products;

/// <summary>Holds the near caches of the API processes and passes every product change to them.
/// Reentrant, so that announcements of different products and renewals interleave rather than queue;
/// the observer list is only touched between awaits. Nothing is stored: after a restart the subscribers
/// see a new epoch on their next renewal and start their caches empty. Immovable, so the activation
/// rebalancer does not restart it (and so empty every cache) to even out activation counts.</summary>
[GrainType("product-cache-registry")]
[Reentrant]
[Immovable]
public sealed partial class ProductCacheRegistryGrain(ILogger<ProductCacheRegistryGrain> logger)
    : Grain, IProductCacheRegistryGrain
{
    /// <summary>How long a subscriber may take to take an announcement before it is dropped (and so
    /// made to empty its cache on its next renewal).</summary>
    static readonly TimeSpan AnnouncementTimeout = TimeSpan.FromSeconds(2);

    readonly Guid epoch = Guid.NewGuid();
    readonly ObserverManager<IProductCacheObserver> subscribers = new(ProductCacheLease.Expiry, logger);

    public ValueTask<ProductCacheLease> Subscribe(IProductCacheObserver observer)
    {
        var known = subscribers.Observers.ContainsKey(observer);
        subscribers.Subscribe(observer, observer);
        if (!known)
            LogSubscribed(subscribers.Count);
        return ValueTask.FromResult(new ProductCacheLease(epoch, known));
    }

    public Task ProductChanged(string productId, long version) =>
        // A subscriber that throws or times out is dropped by the manager; it learns so on renewal.
        subscribers.Notify(observer => observer.ProductChanged(productId, version).WaitAsync(AnnouncementTimeout));

    [LoggerMessage(Level = LogLevel.Information, Message = "A product near cache subscribed; {Count} subscribed")]
    partial void LogSubscribed(int count);
}
