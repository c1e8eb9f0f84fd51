using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansScale.Api.Hosting;
using OrleansScale.Products;

namespace OrleansScale.Api.Products;

/// <summary>Settings of the API's near cache of product aggregates ("ProductCache" section).</summary>
public sealed class ProductNearCacheOptions
{
    public const string Section = "ProductCache";

    /// <summary>Off by default: the architecture keeps no caches in the API (the grain is the one hot
    /// copy), and this cache trades that for speed. On, product reads that hit it make no grain call;
    /// a change is still seen by every API process before its write is acknowledged, and only a lost
    /// announcement can leave a copy stale, for at most one renewal period (see
    /// docs/products-and-catalog.md). Off, every product read is one grain call.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long an entry is served at most. Announcements keep entries exact; the age bounds how
    /// stale one can be when an announcement was lost without the subscription noticing.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most JSON the cache holds; reads beyond it are answered by the grains uncached.</summary>
    [Range(1_000_000, 16_000_000_000)]
    public long MaxBytes { get; set; } = 64_000_000;

    /// <summary>How often the subscription with the cluster's registry is renewed (well within its expiry).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:10")]
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>An opt-in copy of product aggregates in this API process (ProductCache:Enabled), so that a read of a cached product is a
/// dictionary lookup and no grain call. Kept exact by the product grains: each change is announced
/// through <see cref="IProductCacheRegistryGrain"/> before the write is acknowledged, and the announced
/// product is dropped here. Entries are served only while the subscription is known to be live: when
/// a renewal fails, or shows that the registry restarted or dropped this process, everything cached is
/// dropped, since announcements may have been missed. A fetch that an announcement overtakes is not
/// stored (the generation check), so an old version never lands after its invalidation.</summary>
public sealed partial class ProductNearCache : BackgroundService, IProductCacheObserver
{
    public const string MeterName = "OrleansScale.Api.ProductCache";

    readonly IClusterClient cluster;
    readonly ProductNearCacheOptions options;
    readonly ILogger<ProductNearCache> logger;
    readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    readonly Lock gate = new();
    readonly long maxAgeMs;
    long generation;   // bumped by every drop; a fetch stores only if it did not move meanwhile
    long bytes;
    long servingUntil; // Environment.TickCount64 until which the subscription is known to be live
    long hits, misses;
    Guid epoch;

    sealed record Entry(ProductCopy? Product, long StoredAt, int Size);

    public ProductNearCache(IClusterClient cluster, IOptions<ProductNearCacheOptions> options, IMeterFactory meters,
        ILogger<ProductNearCache> logger)
    {
        this.cluster = cluster;
        this.options = options.Value;
        this.logger = logger;
        maxAgeMs = (long)this.options.MaxAge.TotalMilliseconds;
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("orleansscale.product_cache.hits", () => Volatile.Read(ref hits), "{read}",
            "Product reads answered from the API's near cache");
        meter.CreateObservableCounter("orleansscale.product_cache.misses", () => Volatile.Read(ref misses), "{read}",
            "Product reads that asked the product grain");
        meter.CreateObservableGauge("orleansscale.product_cache.bytes", () => Volatile.Read(ref bytes), "By",
            "JSON held by the API's near cache");
    }

    public long Hits => Volatile.Read(ref hits);
    public long Misses => Volatile.Read(ref misses);

    /// <summary>The product as the cluster has it (null: unknown or deleted), from this process's copy
    /// when it has a live one, else from the product grain (asked twice if the cluster fails the first
    /// call transiently, as every read is).</summary>
    public ValueTask<ProductCopy?> Get(string productId)
    {
        var now = Environment.TickCount64;
        if (now < Volatile.Read(ref servingUntil)
            && entries.TryGetValue(productId, out var entry) && now - entry.StoredAt < maxAgeMs)
        {
            Interlocked.Increment(ref hits);
            return ValueTask.FromResult(entry.Product);
        }
        Interlocked.Increment(ref misses);
        return Fetch(productId);
    }

    async ValueTask<ProductCopy?> Fetch(string productId)
    {
        var seen = Volatile.Read(ref generation);
        ProductSnapshot? snapshot;
        try
        {
            snapshot = await cluster.GetGrain<IProductGrain>(productId).Get();
        }
        catch (Exception e) when (ClusterFailures.IsTransient(e))
        {
            LogRetrying(productId, e.GetType().Name);
            await Task.Delay(ClusterFailures.RetryPause);
            seen = Volatile.Read(ref generation);
            snapshot = await cluster.GetGrain<IProductGrain>(productId).Get();
        }
        var product = snapshot is null ? null : new ProductCopy(snapshot.Version, ETags.Format(snapshot.Version), snapshot.Json);
        Store(productId, product, seen);
        return product;
    }

    // A disabled cache never subscribes, so servingUntil stays 0 and nothing is stored.
    void Store(string productId, ProductCopy? product, long seenGeneration)
    {
        var size = productId.Length * 2 + (product?.Json.Length ?? 0) + 64;
        lock (gate)
        {
            var now = Environment.TickCount64;
            if (generation != seenGeneration || now >= servingUntil || bytes + size > options.MaxBytes)
                return;
            if (entries.TryGetValue(productId, out var old))
                bytes -= old.Size;
            entries[productId] = new Entry(product, now, size);
            bytes += size;
        }
    }

    /// <summary>Called by the registry: the product changed, so the copy here (if any) is old.</summary>
    public Task ProductChanged(string productId, long version)
    {
        lock (gate)
        {
            generation++;
            if (entries.TryRemove(productId, out var old))
                bytes -= old.Size;
        }
        return Task.CompletedTask;
    }

    void DropAll()
    {
        lock (gate)
        {
            generation++;
            entries.Clear();
            bytes = 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
            return;
        var self = cluster.CreateObjectReference<IProductCacheObserver>(this);
        var registry = cluster.GetGrain<IProductCacheRegistryGrain>(0);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Renew(registry, self);
                SweepExpired();
                await Task.Delay(options.RenewEvery, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref servingUntil, 0);
            cluster.DeleteObjectReference<IProductCacheObserver>(self);
        }
    }

    async Task Renew(IProductCacheRegistryGrain registry, IProductCacheObserver self)
    {
        var startedAt = Environment.TickCount64;
        try
        {
            var lease = await registry.Subscribe(self);
            if (lease.Epoch != epoch || !lease.WasSubscribed)
            {
                // Announcements may have gone to nobody while this process was not subscribed.
                DropAll();
                if (epoch != Guid.Empty)
                    LogResubscribed(lease.Epoch != epoch ? "the registry restarted" : "the registry had dropped this process");
                epoch = lease.Epoch;
            }
            // Half the expiry, counted from before the call: the registry keeps this process at least that long.
            Volatile.Write(ref servingUntil, startedAt + (long)(ProductCacheLease.Expiry.TotalMilliseconds / 2));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Volatile.Write(ref servingUntil, 0);
            DropAll();
            LogRenewFailed(e);
        }
    }

    void SweepExpired()
    {
        var now = Environment.TickCount64;
        foreach (var (id, entry) in entries)
        {
            if (now - entry.StoredAt < maxAgeMs)
                continue;
            lock (gate)
            {
                if (entries.TryRemove(new KeyValuePair<string, Entry>(id, entry)))
                    bytes -= entry.Size;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying the read of product {ProductId} once after a transient cluster failure ({Failure})")]
    partial void LogRetrying(string productId, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Product near cache emptied and subscribed again: {Reason}")]
    partial void LogResubscribed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Product near cache could not renew its subscription; serving from the grains until it can")]
    partial void LogRenewFailed(Exception exception);
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
