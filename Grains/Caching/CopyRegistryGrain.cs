using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;

namespace OrleansScale.Caching;

/// <summary>How one kind of copies' registry is split (a section of the silos' configuration per kind).</summary>
public abstract class CopyRegistryOptions
{
    /// <summary>How many registry grains share the announcements, by a hash of the key, so that the changes do not
    /// all pass through one grain on one silo. The same on every silo: an API process that sees two counts stops
    /// serving copies until they agree, so change it only by restarting every silo.</summary>
    [Range(1, 1024)]
    public int RegistryPartitions { get; set; } = 8;
}

/// <summary>One partition of the API processes' copies of one kind of grain state (products, sessions): it holds
/// the subscribers and passes every change of the partition's keys to them before the grain writes it.
/// Derived grains are reentrant, so that announcements of different keys and renewals interleave rather
/// than queue; the subscriber list is only touched between awaits. Nothing is stored: after a restart the
/// subscribers see a new epoch on their next renewal and drop their copies of this partition. Derived grains
/// are immovable, so the activation rebalancer does not restart them (and so empty every holder's partition)
/// to even out activation counts.</summary>
public abstract partial class CopyRegistryGrain<TObserver>(ILogger logger) : Grain where TObserver : IGrainObserver
{
    /// <summary>How long a subscriber may take to take an announcement before it is dropped. Within the
    /// grain's own bound on the whole announcement (<see cref="CopyAnnouncement.Wait"/>) together with a new
    /// activation's wait of <see cref="CopyLeases.ServeFor"/>.</summary>
    static readonly TimeSpan AnnouncementTimeout = TimeSpan.FromSeconds(1);

    static readonly long ServeForMs = (long)CopyLeases.ServeFor.TotalMilliseconds;
    static readonly long ExpiryMs = (long)CopyLeases.Expiry.TotalMilliseconds;

    readonly Guid epoch = Guid.NewGuid();
    // Subscribers of an earlier activation may serve until ServeFor after their last renewal there, which
    // came before this activation began.
    readonly long activatedAt = Environment.TickCount64;
    readonly Dictionary<TObserver, Subscriber> subscribers = new();

    /// <summary>What the copies hold, for the log ("product", "session").</summary>
    protected abstract string Kind { get; }

    /// <summary>How a key appears in the log: a session's token is a secret and never does.</summary>
    protected virtual string ForLog(string key) => key;

    /// <summary>When the subscriber's last renewal arrived (<see cref="Environment.TickCount64"/>), and whether
    /// it was dropped since: a dropped subscriber is kept, not told, until its last lease has run out, so that
    /// every announcement it missed waits for that.</summary>
    sealed class Subscriber(long lastRenewal)
    {
        public long LastRenewal = lastRenewal;
        public bool Dropped;
        public long LeaseEnd => LastRenewal + ServeForMs;
    }

    /// <summary>Subscribes or renews; returns this activation's epoch and whether the observer was subscribed
    /// (and not dropped) before this call.</summary>
    protected (Guid Epoch, bool WasSubscribed) Renew(TObserver observer)
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
            LogSubscribed(Kind, this.GetPrimaryKeyLong(), subscribers.Values.Count(s => !s.Dropped));
        return (epoch, known);
    }

    /// <summary>Tells every subscriber of the change of <paramref name="key"/> (<paramref name="tell"/> makes the
    /// call); completes when each took it, or was dropped and its last lease has run out.</summary>
    protected async Task Announce(string key, Func<TObserver, Task> tell)
    {
        await WaitUntil(activatedAt + ServeForMs);
        ForgetLapsed(Environment.TickCount64);
        // One dropped by an earlier announcement misses this one as well.
        long waitUntil = subscribers.Values.Where(s => s.Dropped).Select(s => s.LeaseEnd).DefaultIfEmpty(0).Max();
        var told = subscribers.Where(s => !s.Value.Dropped).ToList();
        var took = await Task.WhenAll(told.Select(s => Tell(s.Key, tell)));
        for (var i = 0; i < told.Count; i++)
        {
            if (took[i])
                continue;
            // Dropped, it empties its copies at its next renewal; until then its lease may still let it serve.
            var subscriber = told[i].Value;
            if (!subscriber.Dropped)
                LogDropped(Kind, ForLog(key), this.GetPrimaryKeyLong());
            subscriber.Dropped = true;
            waitUntil = Math.Max(waitUntil, subscriber.LeaseEnd);
        }
        await WaitUntil(waitUntil);
    }

    static async Task<bool> Tell(TObserver observer, Func<TObserver, Task> tell)
    {
        try
        {
            await tell(observer).WaitAsync(AnnouncementTimeout);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "An API process's {Kind} copies subscribed to registry partition {Partition}; {Count} subscribed")]
    partial void LogSubscribed(string kind, long partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An API process did not take the announcement of {Kind} {Key} in time and was dropped from registry partition {Partition}")]
    partial void LogDropped(string kind, string key, long partition);
}
