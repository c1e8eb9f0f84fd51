using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using OrleansScale.Caching;

namespace OrleansScale.Products;

/// <summary>How the near-cache registry is split ("ProductCache" section of the silos), by a hash of the product id.</summary>
public sealed class ProductCacheRegistryOptions : CopyRegistryOptions
{
    public const string Section = "ProductCache";
}

/// <summary>Holds the near caches of the API processes for one partition of the products and passes every
/// change of those products to them before it is written (<see cref="CopyRegistryGrain{TObserver}"/>).
/// Reentrant, so that announcements of different products and renewals interleave rather than queue.
/// Immovable, so the activation rebalancer does not restart it (and so empty every cache's partition) to
/// even out activation counts.</summary>
[GrainType("product-cache-registry")]
[Reentrant]
[Immovable]
public sealed class ProductCacheRegistryGrain(
    IOptions<ProductCacheRegistryOptions> options,
    ILogger<ProductCacheRegistryGrain> logger) : CopyRegistryGrain<IProductCacheObserver>(logger), IProductCacheRegistryGrain
{
    protected override string Kind => "product";

    public ValueTask<ProductCacheLease> Subscribe(IProductCacheObserver observer)
    {
        var (epoch, wasSubscribed) = Renew(observer);
        return ValueTask.FromResult(new ProductCacheLease(epoch, wasSubscribed, options.Value.RegistryPartitions));
    }

    public Task ProductChanging(string productId, long version) =>
        Announce(productId, observer => observer.ProductChanging(productId, version));

    public ValueTask Activate() => ValueTask.CompletedTask;
}
