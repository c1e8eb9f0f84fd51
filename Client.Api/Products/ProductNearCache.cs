using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansScale.Api.Caching;
using OrleansScale.Api.Hosting;
using OrleansScale.Products;

namespace OrleansScale.Api.Products;

/// <summary>Settings of the API's near cache of product aggregates ("ProductCache" section; see
/// <see cref="AnnouncedCopiesOptions"/>).</summary>
public sealed class ProductNearCacheOptions : AnnouncedCopiesOptions
{
    public const string Section = "ProductCache";
}

/// <summary>A copy of product aggregates in this API process (ProductCache:Enabled), so that a read of a cached
/// product is a dictionary lookup and no grain call (<see cref="AnnouncedCopies{TCopy}"/>). Kept exact by the
/// product grains: each change is announced through its partition's <see cref="IProductCacheRegistryGrain"/>
/// before it is written, and the announced product is dropped here. Unknown and deleted products are copied
/// too (as null), so a burst of reads of a missing id asks its grain once.</summary>
public sealed partial class ProductNearCache : AnnouncedCopies<ProductCopy>, IProductCacheObserver
{
    public const string MeterName = "OrleansScale.Api.ProductCache";

    readonly IClusterClient cluster;
    readonly ILogger<ProductNearCache> logger;
    IProductCacheObserver? self;

    public ProductNearCache(IClusterClient cluster, IOptions<ProductNearCacheOptions> options, IMeterFactory meters,
        ILogger<ProductNearCache> logger)
        : base(options.Value, meters, MeterName, "orleansscale.product_cache", "Product", logger)
    {
        this.cluster = cluster;
        this.logger = logger;
    }

    /// <summary>The product grain's answer, asked twice if the cluster fails the first call transiently.</summary>
    protected override async Task<ProductCopy?> Ask(string productId)
    {
        ProductSnapshot? snapshot;
        try
        {
            snapshot = await cluster.GetGrain<IProductGrain>(productId).Get();
        }
        catch (Exception e) when (ClusterFailures.IsTransient(e))
        {
            LogRetrying(productId, e.GetType().Name);
            await Task.Delay(ClusterFailures.RetryPause);
            snapshot = await cluster.GetGrain<IProductGrain>(productId).Get();
        }
        return snapshot is null ? null : new ProductCopy(snapshot.Version, ETags.Format(snapshot.Version), snapshot.Json);
    }

    protected override int SizeOf(string productId, ProductCopy? product) =>
        productId.Length * 2 + (product?.Json.Length ?? 0) + 64;

    /// <summary>Called by the registry: the product is about to change.</summary>
    public Task ProductChanging(string productId, long version)
    {
        Changing(productId);
        return Task.CompletedTask;
    }

    protected override void OpenSubscription() => self = cluster.CreateObjectReference<IProductCacheObserver>(this);

    protected override void CloseSubscription()
    {
        if (self is not null)
            cluster.DeleteObjectReference<IProductCacheObserver>(self);
    }

    protected override async Task<CopyGrant> Renew(int partition)
    {
        var granted = await cluster.GetGrain<IProductCacheRegistryGrain>(partition).Subscribe(self!);
        return new CopyGrant(granted.Epoch, granted.WasSubscribed, granted.Partitions);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying the read of product {ProductId} once after a transient cluster failure ({Failure})")]
    partial void LogRetrying(string productId, string failure);
}

/// <summary>A product as this API process serves it: the version, its ETag and the aggregate's JSON,
/// all ready to write.</summary>
public sealed record ProductCopy(long Version, string ETag, byte[] Json);

public static class ProductNearCacheSetup
{
    /// <summary>The near cache of product aggregates, its subscription and its metrics.</summary>
    public static WebApplicationBuilder AddProductNearCache(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProductNearCacheOptions>().BindConfiguration(ProductNearCacheOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ProductNearCache>();
        builder.Services.AddHostedService(s => s.GetRequiredService<ProductNearCache>());
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(ProductNearCache.MeterName));
        return builder;
    }
}
