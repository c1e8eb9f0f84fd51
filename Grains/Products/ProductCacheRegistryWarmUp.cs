using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansScale.Products;

/// <summary>Activates every near-cache registry partition when a silo starts. A new partition confirms no change
/// for its first <see cref="ProductCacheLease.ServeFor"/> (2 s), so on a cluster just started the first product
/// writes would wait that long, and a burst of them would be shed by the API's write admission; activated here,
/// the wait is over before the API takes writes. In the background: the silo's start does not wait for it.</summary>
public sealed partial class ProductCacheRegistryWarmUp(
    IGrainFactory grains,
    IOptions<ProductCacheRegistryOptions> options,
    ILogger<ProductCacheRegistryWarmUp> logger) : IStartupTask
{
    public Task Execute(CancellationToken cancellationToken)
    {
        _ = ActivateAll();
        return Task.CompletedTask;
    }

    async Task ActivateAll()
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, options.Value.RegistryPartitions)
                .Select(p => grains.GetGrain<IProductCacheRegistryGrain>(p).Activate().AsTask()));
        }
        catch (Exception e)
        {
            // Only the first change of a partition not activated here waits the 2 s.
            LogWarmUpFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not activate the near-cache registry partitions at start; the first product changes may wait for them")]
    partial void LogWarmUpFailed(Exception exception);
}
