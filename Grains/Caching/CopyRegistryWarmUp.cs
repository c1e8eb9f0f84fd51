using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansScale.Products;
using OrleansScale.Sessions;

namespace OrleansScale.Caching;

/// <summary>Activates every registry partition of the API processes' copies (products and sessions) when a silo
/// starts. A new partition confirms no change for its first <see cref="CopyLeases.ServeFor"/> (2 s), so on a
/// cluster just started the first product writes, cart changes and sign-outs would wait that long, and a burst
/// of writes would be shed by the API's write admission; activated here, the wait is over before the API takes
/// writes. In the background: the silo's start does not wait for it.</summary>
public sealed partial class CopyRegistryWarmUp(
    IGrainFactory grains,
    IOptions<ProductCacheRegistryOptions> products,
    IOptions<SessionCacheRegistryOptions> sessions,
    ILogger<CopyRegistryWarmUp> logger) : IStartupTask
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
            await Task.WhenAll(
                Enumerable.Range(0, products.Value.RegistryPartitions)
                    .Select(p => grains.GetGrain<IProductCacheRegistryGrain>(p).Activate().AsTask())
                .Concat(Enumerable.Range(0, sessions.Value.RegistryPartitions)
                    .Select(p => grains.GetGrain<ISessionCacheRegistryGrain>(p).Activate().AsTask())));
        }
        catch (Exception e)
        {
            // Only the first change of a partition not activated here waits the 2 s.
            LogWarmUpFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not activate the registry partitions of the API processes' copies at start; the first product and session changes may wait for them")]
    partial void LogWarmUpFailed(Exception exception);
}
