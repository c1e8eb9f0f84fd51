using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;

namespace OrleansScale.Products;

/// <summary>How the near-cache registry is split ("ProductCache" section of the silos).</summary>
public sealed class ProductCacheRegistryOptions
{
    public const string Section = "ProductCache";

    /// <summary>How many registry grains share the announcements, by a hash of the product id, so that product
    /// writes do not all pass through one grain on one silo. The same on every silo: an API process that
    /// sees two counts stops serving copies until they agree, so change it only by restarting every silo.</summary>
    [Range(1, 1024)]
    public int RegistryPartitions { get; set; } = 8;
}

/// <summary>Holds the near caches of the API processes for one partition of the products and passes every
/// change of those products to them before it is written. Reentrant, so that announcements of different
/// products and renewals interleave rather than queue; the subscriber list is only touched between awaits.
/// Nothing is stored: after a restart the subscribers see a new epoch on their next renewal and empty their
/// copies of this partition. Immovable, so the activation rebalancer does not restart it (and so empty every
/// cache's partition) to even out activation counts.</summary>
[GrainType("product-cache-registry")]
[Reentrant]
[Immovable]
public sealed partial class ProductCacheRegistryGrain(
    IOptions<ProductCacheRegistryOptions> options,
    ILogger<ProductCacheRegistryGrain> logger) : Grain, IProductCacheRegistryGrain
{
    /// <summary>How long a subscriber may take to take an announcement before it is dropped. Within the
    /// product's own bound on the whole announcement (<see cref="ProductGrain.AnnouncementWait"/>) together
    /// with a new activation's wait of <see cref="ProductCacheLease.ServeFor"/>.</summary>
    static readonly TimeSpan AnnouncementTimeout = TimeSpan.FromSeconds(1);

    static readonly long ServeForMs = (long)ProductCacheLease.ServeFor.TotalMilliseconds;
    static readonly long ExpiryMs = (long)ProductCacheLease.Expiry.TotalMilliseconds;

    readonly Guid epoch = Guid.NewGuid();
    // Subscribers of an earlier activation may serve until ServeFor after their last renewal there, which
    // came before this activation began.
    readonly long activatedAt = Environment.TickCount64;
    readonly Dictionary<IProductCacheObserver, Subscriber> subscribers = new();

    /// <summary>When the subscriber's last renewal arrived (<see cref="Environment.TickCount64"/>), and whether
    /// it was dropped since: a dropped subscriber is kept, not told, until its last lease has run out, so that
    /// every announcement it missed waits for that.</summary>
    sealed class Subscriber(long lastRenewal)
    {
        public long LastRenewal = lastRenewal;
        public bool Dropped;
        public long LeaseEnd => LastRenewal + ServeForMs;
    }

    public ValueTask<ProductCacheLease> Subscribe(IProductCacheObserver observer)
    {
        var now = Environment.TickCount64;
        ForgetLapsed(now);
        var known = subscribers.TryGetValue(observer, out var subscriber) && !subscriber.Dropped;
        if (subscriber is null)
            subscribers[observer] = new Subscriber(now);
        else
        {
            subscriber.LastRenewal = now;
            subscriber.Dropped = false;
        }
        if (!known)
            LogSubscribed(this.GetPrimaryKeyLong(), subscribers.Values.Count(s => !s.Dropped));
        return ValueTask.FromResult(new ProductCacheLease(epoch, known, options.Value.RegistryPartitions));
    }

    public async Task ProductChanging(string productId, long version)
    {
        await WaitUntil(activatedAt + ServeForMs);
        ForgetLapsed(Environment.TickCount64);
        // One dropped by an earlier announcement misses this one as well.
        long waitUntil = subscribers.Values.Where(s => s.Dropped).Select(s => s.LeaseEnd).DefaultIfEmpty(0).Max();
        var told = subscribers.Where(s => !s.Value.Dropped).ToList();
        var took = await Task.WhenAll(told.Select(s => Tell(s.Key, productId, version)));
        for (var i = 0; i < told.Count; i++)
        {
            if (took[i])
                continue;
            // Dropped, it empties its copies at its next renewal; until then its lease may still let it serve.
            var subscriber = told[i].Value;
            if (!subscriber.Dropped)
                LogDropped(this.GetPrimaryKeyLong(), productId);
            subscriber.Dropped = true;
            waitUntil = Math.Max(waitUntil, subscriber.LeaseEnd);
        }
        await WaitUntil(waitUntil);
    }

    public ValueTask Activate() => ValueTask.CompletedTask;

    static async Task<bool> Tell(IProductCacheObserver observer, string productId, long version)
    {
        try
        {
            await observer.ProductChanging(productId, version).WaitAsync(AnnouncementTimeout);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Forgets subscribers that stopped renewing (their leases ended long ago) and dropped ones
    /// whose last lease has run out.</summary>
    void ForgetLapsed(long now)
    {
        foreach (var (observer, subscriber) in subscribers)
        {
            if (subscriber.Dropped ? subscriber.LeaseEnd <= now : subscriber.LastRenewal + ExpiryMs <= now)
                subscribers.Remove(observer);
        }
    }

    static Task WaitUntil(long tick)
    {
        var wait = tick - Environment.TickCount64;
        return wait > 0 ? Task.Delay(TimeSpan.FromMilliseconds(wait)) : Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A product near cache subscribed to registry partition {Partition}; {Count} subscribed")]
    partial void LogSubscribed(long partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A product near cache did not take the announcement of product {ProductId} in time and was dropped from registry partition {Partition}")]
    partial void LogDropped(long partition, string productId);
}
