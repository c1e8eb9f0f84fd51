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

    /// <summary>On by default: product reads that hit the cache make no grain call. Every change is announced
    /// to every API process before it is written, and a process serves copies only while it holds a lease
    /// from the change's registry partition, so no read answers an older version once a change is
    /// acknowledged (docs/products-and-catalog.md). Off, every product read is one grain call.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long an entry is served at most. Announcements keep entries exact; the age only bounds
    /// how long a product read once stays in memory.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most JSON the cache holds; reads beyond it are answered by the grains uncached.</summary>
    [Range(1_000_000, 16_000_000_000)]
    public long MaxBytes { get; set; } = 64_000_000;

    /// <summary>How often the leases of the registry partitions are renewed. A lease lets this process serve
    /// copies for <see cref="ProductCacheLease.ServeFor"/> (2 s) from the start of its renewal, so a renewal
    /// must come well within that; one that takes longer only sends reads to the grains until the next.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:01")]
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>With no product read for this long, the process stops renewing its leases and empties the
    /// cache: renewals are two grain calls a second per partition, most of what an idle cluster would
    /// otherwise spend. The next read asks the grain and starts the renewals again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PauseWhenIdleFor { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>A copy of product aggregates in this API process (ProductCache:Enabled), so that a read of a cached
/// product is a dictionary lookup and no grain call. Kept exact by the product grains: each change is
/// announced through its partition's <see cref="IProductCacheRegistryGrain"/> before it is written, and the
/// announced product is dropped here. Entries of a partition are served only while this process holds a
/// live lease from that partition: when a renewal fails, or shows that the registry restarted or dropped
/// this process, the partition's entries are dropped, since announcements may have been missed. A fetch
/// that an announcement of its product (or a drop of its partition) overtakes is not stored, so an old
/// version never lands after its invalidation; announcements of other products leave it alone, so a cluster
/// that changes many products still fills the cache with the ones it reads.</summary>
public sealed partial class ProductNearCache : BackgroundService, IProductCacheObserver
{
    public const string MeterName = "OrleansScale.Api.ProductCache";

    static readonly long ServeForMs = (long)ProductCacheLease.ServeFor.TotalMilliseconds;
    // A read notes its time only when the last note is older than this, so busy reads write nothing shared.
    const long NoteReadEveryMs = 100;

    readonly IClusterClient cluster;
    readonly ProductNearCacheOptions options;
    readonly ILogger<ProductNearCache> logger;
    readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    readonly Lock gate = new();
    readonly long maxAgeMs;
    readonly long pauseWhenIdleMs;
    long lastReadAt = long.MinValue / 2; // Environment.TickCount64 of a recent read
    TaskCompletionSource? resume;        // set while the renewals are paused; the next read completes it
    long drops;        // bumped by every drop of a partition or of all; a fetch stores only if it did not move
    // The products being fetched, each with the announcements of it seen since; kept only while a fetch is
    // out, so it is as small as the reads in flight. Guarded by gate.
    readonly Dictionary<string, Fetches> fetching = new(StringComparer.Ordinal);
    long bytes;
    long hits, misses;
    // One lease per registry partition; empty until the first renewal says how many partitions there are.
    Lease[] leases = [];

    sealed record Entry(ProductCopy? Product, long StoredAt, int Size);

    /// <summary>The fetches of one product that are out, and how many announcements of it arrived meanwhile.</summary>
    sealed class Fetches
    {
        public int Out;
        public long Announcements;
    }

    /// <summary>What a fetch noted when it started: a change of either means its answer may be older than an
    /// announcement, and it is not stored.</summary>
    readonly record struct FetchStart(long Drops, long Announcements);

    /// <summary>This process's subscription with one registry partition.</summary>
    sealed class Lease
    {
        public Guid Epoch;
        public long ServingUntil; // Environment.TickCount64 until which the subscription is known to be live
        public bool Live(long now) => now < Volatile.Read(ref ServingUntil);
    }

    public ProductNearCache(IClusterClient cluster, IOptions<ProductNearCacheOptions> options, IMeterFactory meters,
        ILogger<ProductNearCache> logger)
    {
        this.cluster = cluster;
        this.options = options.Value;
        this.logger = logger;
        maxAgeMs = (long)this.options.MaxAge.TotalMilliseconds;
        pauseWhenIdleMs = (long)this.options.PauseWhenIdleFor.TotalMilliseconds;
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("orleansscale.product_cache.hits", () => Volatile.Read(ref hits), "{read}",
            "Product reads answered from the API's near cache");
        meter.CreateObservableCounter("orleansscale.product_cache.misses", () => Volatile.Read(ref misses), "{read}",
            "Product reads that asked the product grain");
        meter.CreateObservableGauge("orleansscale.product_cache.bytes", () => Volatile.Read(ref bytes), "By",
            "JSON held by the API's near cache");
        meter.CreateObservableGauge("orleansscale.product_cache.live_partitions", LivePartitions, "{partition}",
            "Registry partitions whose lease lets this process serve copies");
    }

    public long Hits => Volatile.Read(ref hits);
    public long Misses => Volatile.Read(ref misses);

    /// <summary>Whether the lease renewals are paused because no product was read for a while.</summary>
    public bool Paused => Volatile.Read(ref resume) is not null;

    int LivePartitions()
    {
        var now = Environment.TickCount64;
        return Volatile.Read(ref leases).Count(l => l.Live(now));
    }

    /// <summary>The product as the cluster has it (null: unknown or deleted), from this process's copy
    /// when it has a live one, else from the product grain (asked twice if the cluster fails the first
    /// call transiently, as every read is).</summary>
    public ValueTask<ProductCopy?> Get(string productId)
    {
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref lastReadAt) >= NoteReadEveryMs)
            NoteRead(now);
        if (LeaseOf(productId) is { } lease && lease.Live(now)
            && entries.TryGetValue(productId, out var entry) && now - entry.StoredAt < maxAgeMs)
        {
            Interlocked.Increment(ref hits);
            return ValueTask.FromResult(entry.Product);
        }
        Interlocked.Increment(ref misses);
        return Fetch(productId);
    }

    void NoteRead(long now)
    {
        // A full fence before reading resume, matched by the one in PauseWhileIdle, so that a read either
        // wakes the paused renewals or is seen by the pause's second look.
        Interlocked.Exchange(ref lastReadAt, now);
        Volatile.Read(ref resume)?.TrySetResult();
    }

    bool Idle(long now) => now - Volatile.Read(ref lastReadAt) >= pauseWhenIdleMs;

    Lease? LeaseOf(string productId)
    {
        var all = Volatile.Read(ref leases);
        return all.Length == 0 ? null : all[ProductCachePartition.Of(productId, all.Length)];
    }

    async ValueTask<ProductCopy?> Fetch(string productId)
    {
        var started = StartFetch(productId);
        ProductCopy? product;
        try
        {
            product = await Ask(productId);
        }
        catch
        {
            EndFetch(productId, started, product: null, store: false);
            throw;
        }
        EndFetch(productId, started, product);
        return product;
    }

    /// <summary>The product grain's answer, asked twice if the cluster fails the first call transiently.</summary>
    async Task<ProductCopy?> Ask(string productId)
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

    FetchStart StartFetch(string productId)
    {
        lock (gate)
        {
            if (!fetching.TryGetValue(productId, out var inFlight))
                fetching[productId] = inFlight = new Fetches();
            inFlight.Out++;
            return new FetchStart(drops, inFlight.Announcements);
        }
    }

    /// <summary>Ends a fetch and stores its answer unless an announcement of the product or a drop came in
    /// since it started. A disabled cache never subscribes, so no lease is live and nothing is stored.</summary>
    void EndFetch(string productId, FetchStart started, ProductCopy? product, bool store = true)
    {
        var size = productId.Length * 2 + (product?.Json.Length ?? 0) + 64;
        lock (gate)
        {
            var inFlight = fetching[productId];
            var overtaken = inFlight.Announcements != started.Announcements || drops != started.Drops;
            if (--inFlight.Out == 0)
                fetching.Remove(productId);
            var now = Environment.TickCount64;
            if (!store || overtaken || LeaseOf(productId) is not { } lease || !lease.Live(now)
                || bytes + size > options.MaxBytes)
                return;
            if (entries.TryGetValue(productId, out var old))
                bytes -= old.Size;
            entries[productId] = new Entry(product, now, size);
            bytes += size;
        }
    }

    /// <summary>Called by the registry: the product is about to change, so the copy here (if any) is old,
    /// and so is any fetch still on its way.</summary>
    public Task ProductChanging(string productId, long version)
    {
        lock (gate)
        {
            if (fetching.TryGetValue(productId, out var inFlight))
                inFlight.Announcements++;
            if (entries.TryRemove(productId, out var old))
                bytes -= old.Size;
        }
        return Task.CompletedTask;
    }

    /// <summary>Drops the entries of one partition (all when <paramref name="partition"/> is null).</summary>
    void Drop(int? partition, int partitions)
    {
        lock (gate)
        {
            drops++;
            foreach (var (id, entry) in entries)
            {
                if (partition is { } p && ProductCachePartition.Of(id, partitions) != p)
                    continue;
                if (entries.TryRemove(new KeyValuePair<string, Entry>(id, entry)))
                    bytes -= entry.Size;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
            return;
        var self = cluster.CreateObjectReference<IProductCacheObserver>(this);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (Idle(Environment.TickCount64))
                {
                    await PauseWhileIdle(stoppingToken);
                    continue;
                }
                await RenewAll(self);
                SweepExpired();
                await Task.Delay(options.RenewEvery, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var lease in Volatile.Read(ref leases))
                Volatile.Write(ref lease.ServingUntil, 0);
            cluster.DeleteObjectReference<IProductCacheObserver>(self);
        }
    }

    /// <summary>Waits for the next product read. The leases lapse meanwhile, and the registry forgets this
    /// process after <see cref="ProductCacheLease.Expiry"/>; the entries could not be served again before a
    /// renewal that may well say so, so they go now.</summary>
    async Task PauseWhileIdle(CancellationToken stoppingToken)
    {
        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref resume, wake);
        try
        {
            if (!Idle(Environment.TickCount64))
                return; // a read came in between the two looks
            LogPaused(options.PauseWhenIdleFor);
            var current = Volatile.Read(ref leases);
            foreach (var lease in current)
                lease.Epoch = Guid.Empty; // the next renewal starts afresh, without a "dropped" warning
            Drop(partition: null, current.Length);
            await wake.Task.WaitAsync(stoppingToken);
            LogResumed();
        }
        finally
        {
            Volatile.Write(ref resume, null);
        }
    }

    /// <summary>Renews every partition's lease at once; the first renewal of all says how many there are.</summary>
    async Task RenewAll(IProductCacheObserver self)
    {
        var current = Volatile.Read(ref leases);
        if (current.Length == 0)
        {
            current = [new Lease()];
            Volatile.Write(ref leases, current);
        }
        var counts = await Task.WhenAll(current.Select((lease, partition) => Renew(self, partition, current.Length, lease)));
        if (counts.FirstOrDefault(c => c != 0 && c != current.Length) is var other and not 0)
        {
            // The silos announce to another number of partitions than this process knows (the first renewal,
            // or silos restarted with another ProductCache:RegistryPartitions): nothing cached is certain.
            if (current.Length > 1)
                LogPartitionsChanged(current.Length, other);
            Volatile.Write(ref leases, Enumerable.Range(0, other).Select(_ => new Lease()).ToArray());
            Drop(partition: null, current.Length);
        }
    }

    /// <summary>Renews one partition's lease; returns how many partitions the registry says there are (0 when the
    /// renewal failed).</summary>
    async Task<int> Renew(IProductCacheObserver self, int partition, int partitions, Lease lease)
    {
        var startedAt = Environment.TickCount64;
        try
        {
            var granted = await cluster.GetGrain<IProductCacheRegistryGrain>(partition).Subscribe(self);
            if (granted.Partitions != partitions)
            {
                Volatile.Write(ref lease.ServingUntil, 0);
                return granted.Partitions;
            }
            if (granted.Epoch != lease.Epoch || !granted.WasSubscribed)
            {
                // Announcements may have gone to nobody while this process was not subscribed.
                Drop(partition, partitions);
                if (lease.Epoch != Guid.Empty)
                    LogResubscribed(partition, granted.Epoch != lease.Epoch ? "the registry restarted" : "the registry had dropped this process");
                lease.Epoch = granted.Epoch;
            }
            // Counted from before the call: the registry counts it from when the renewal arrived.
            Volatile.Write(ref lease.ServingUntil, startedAt + ServeForMs);
            return partitions;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Once per lapse: while the lease is not live, nothing of the partition is stored again.
            if (Interlocked.Exchange(ref lease.ServingUntil, 0) != 0)
                Drop(partition, partitions);
            LogRenewFailed(e, partition);
            return 0;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Product near cache idle: no product read for {Idle}; lease renewals paused and the cache emptied until the next read")]
    partial void LogPaused(TimeSpan idle);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Product near cache renewing its leases again: products are being read")]
    partial void LogResumed();

    [LoggerMessage(Level = LogLevel.Information, Message = "Product near cache emptied partition {Partition} and subscribed again: {Reason}")]
    partial void LogResubscribed(int partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Product near cache could not renew its lease of partition {Partition}; serving its products from the grains until it can")]
    partial void LogRenewFailed(Exception exception, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster announces product changes to {Partitions} registry partitions, not {Known}; the near cache starts empty")]
    partial void LogPartitionsChanged(int known, int partitions);
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
