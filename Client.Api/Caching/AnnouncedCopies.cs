using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using OrleansScale.Caching;

namespace OrleansScale.Api.Caching;

/// <summary>Settings of one kind of announced copies in the API process (products, sessions).</summary>
public abstract class AnnouncedCopiesOptions
{
    /// <summary>On by default: a read of something copied here makes no grain call. Every change is announced to
    /// every API process before it is written, and a process serves copies only while it holds a lease from the
    /// change's registry partition, so no read answers an older version once a change is acknowledged. Off,
    /// every read is one grain call.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a copy is served at most. Announcements keep copies exact; the age only bounds how
    /// long a copy once read stays in memory, and how often the grain hears that it is still read.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most the copies may hold; reads beyond it are answered by the grains, uncopied.</summary>
    [Range(1_000_000, 16_000_000_000)]
    public long MaxBytes { get; set; } = 64_000_000;

    /// <summary>How often the leases of the registry partitions are renewed. A lease lets this process serve
    /// copies for <see cref="CopyLeases.ServeFor"/> (2 s) from the start of its renewal, so a renewal must come
    /// well within that; one that takes longer only sends reads to the grains until the next.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:01")]
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>With no read for this long, the process stops renewing its leases and drops its copies:
    /// renewals are two grain calls a second per partition, most of what an idle cluster would otherwise
    /// spend. The next read asks the grain and starts the renewals again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PauseWhenIdleFor { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>What a registry partition granted on a renewal.</summary>
public readonly record struct CopyGrant(Guid Epoch, bool WasSubscribed, int Partitions);

/// <summary>Copies of one kind of grain state in this API process, so that a read of a copied key is a dictionary
/// lookup and no grain call. Kept exact by the grains: each change is announced through the key's registry
/// partition (<see cref="CopyPartition"/>) before it is written, and the announced key is dropped here. Copies
/// of a partition are served only while this process holds a live lease from that partition: when a renewal
/// fails, or shows that the registry restarted or dropped this process, the partition's copies are dropped,
/// since announcements may have been missed. A fetch that an announcement of its key (or a drop of its
/// partition) overtakes is not stored, so an old version never lands after its invalidation; announcements of
/// other keys leave it alone, so a cluster that changes many keys still fills the copies with the ones it reads.</summary>
public abstract class AnnouncedCopies<TCopy> : BackgroundService where TCopy : class
{
    static readonly long ServeForMs = (long)CopyLeases.ServeFor.TotalMilliseconds;
    // A read notes its time only when the last note is older than this, so busy reads write nothing shared.
    const long NoteReadEveryMs = 100;

    readonly AnnouncedCopiesOptions options;
    readonly ILogger logger;
    readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    readonly Lock gate = new();
    readonly long maxAgeMs;
    readonly long pauseWhenIdleMs;
    long lastReadAt = long.MinValue / 2; // Environment.TickCount64 of a recent read
    TaskCompletionSource? resume;        // set while the renewals are paused; the next read completes it
    long drops;        // bumped by every drop of a partition or of all; a fetch stores only if it did not move
    // The keys being fetched, each with the announcements of it seen since; kept only while a fetch is out,
    // so it is as small as the reads in flight. Guarded by gate.
    readonly Dictionary<string, Fetches> fetching = new(StringComparer.Ordinal);
    long bytes;
    long hits, misses;
    // One lease per registry partition; empty until the first renewal says how many partitions there are.
    Lease[] leases = [];

    sealed record Entry(TCopy? Copy, long StoredAt, int Size);

    /// <summary>The fetches of one key that are out, and how many announcements of it arrived meanwhile.</summary>
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

    /// <param name="kind">What is copied, for the log ("Product", "Session").</param>
    /// <param name="instruments">The prefix of this kind's instruments ("orleansscale.product_cache").</param>
    protected AnnouncedCopies(AnnouncedCopiesOptions options, IMeterFactory meters, string meterName, string instruments,
        string kind, ILogger logger)
    {
        this.options = options;
        this.logger = logger;
        Kind = kind;
        maxAgeMs = (long)options.MaxAge.TotalMilliseconds;
        pauseWhenIdleMs = (long)options.PauseWhenIdleFor.TotalMilliseconds;
        var noun = kind.ToLowerInvariant();
        var meter = meters.Create(meterName);
        meter.CreateObservableCounter($"{instruments}.hits", () => Volatile.Read(ref hits), "{read}",
            $"{kind} reads answered from the API's copies");
        meter.CreateObservableCounter($"{instruments}.misses", () => Volatile.Read(ref misses), "{read}",
            $"{kind} reads that asked the {noun} grain");
        meter.CreateObservableGauge($"{instruments}.bytes", () => Volatile.Read(ref bytes), "By",
            $"Memory held by the API's {noun} copies");
        meter.CreateObservableGauge($"{instruments}.live_partitions", LivePartitions, "{partition}",
            $"Registry partitions whose lease lets this process serve {noun} copies");
    }

    protected string Kind { get; }

    public long Hits => Volatile.Read(ref hits);
    public long Misses => Volatile.Read(ref misses);

    /// <summary>Whether the lease renewals are paused because nothing was read for a while.</summary>
    public bool Paused => Volatile.Read(ref resume) is not null;

    /// <summary>The grain's answer for the key (asked again once if the cluster fails the first call transiently).</summary>
    protected abstract Task<TCopy?> Ask(string key);

    /// <summary>The memory a copy takes, roughly, in bytes.</summary>
    protected abstract int SizeOf(string key, TCopy? copy);

    /// <summary>Whether an answer may be kept as a copy at all.</summary>
    protected virtual bool Keeps(TCopy? copy) => true;

    /// <summary>Whether a copy held may still be served, besides its lease and age.</summary>
    protected virtual bool Serves(TCopy? copy) => true;

    /// <summary>Makes this process's observer reference, before the first renewal.</summary>
    protected abstract void OpenSubscription();

    /// <summary>Deletes the observer reference when the process stops.</summary>
    protected abstract void CloseSubscription();

    /// <summary>Subscribes to, or renews the lease of, one registry partition.</summary>
    protected abstract Task<CopyGrant> Renew(int partition);

    int LivePartitions()
    {
        var now = Environment.TickCount64;
        return Volatile.Read(ref leases).Count(l => l.Live(now));
    }

    /// <summary>The key's state as the cluster has it, from this process's copy when it has a live one, else
    /// from the grain.</summary>
    public ValueTask<TCopy?> Get(string key)
    {
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref lastReadAt) >= NoteReadEveryMs)
            NoteRead(now);
        if (LeaseOf(key) is { } lease && lease.Live(now)
            && entries.TryGetValue(key, out var entry) && now - entry.StoredAt < maxAgeMs && Serves(entry.Copy))
        {
            Interlocked.Increment(ref hits);
            return ValueTask.FromResult(entry.Copy);
        }
        Interlocked.Increment(ref misses);
        return Fetch(key);
    }

    void NoteRead(long now)
    {
        // A full fence before reading resume, matched by the one in PauseWhileIdle, so that a read either
        // wakes the paused renewals or is seen by the pause's second look.
        Interlocked.Exchange(ref lastReadAt, now);
        Volatile.Read(ref resume)?.TrySetResult();
    }

    bool Idle(long now) => now - Volatile.Read(ref lastReadAt) >= pauseWhenIdleMs;

    Lease? LeaseOf(string key)
    {
        var all = Volatile.Read(ref leases);
        return all.Length == 0 ? null : all[CopyPartition.Of(key, all.Length)];
    }

    async ValueTask<TCopy?> Fetch(string key)
    {
        var started = StartFetch(key);
        TCopy? copy;
        try
        {
            copy = await Ask(key);
        }
        catch
        {
            EndFetch(key, started, copy: null, store: false);
            throw;
        }
        EndFetch(key, started, copy, Keeps(copy));
        return copy;
    }

    FetchStart StartFetch(string key)
    {
        lock (gate)
        {
            if (!fetching.TryGetValue(key, out var inFlight))
                fetching[key] = inFlight = new Fetches();
            inFlight.Out++;
            return new FetchStart(drops, inFlight.Announcements);
        }
    }

    /// <summary>Ends a fetch and stores its answer unless an announcement of the key or a drop came in since it
    /// started. Copies that are not enabled never subscribe, so no lease is live and nothing is stored.</summary>
    void EndFetch(string key, FetchStart started, TCopy? copy, bool store)
    {
        var size = SizeOf(key, copy);
        lock (gate)
        {
            var inFlight = fetching[key];
            var overtaken = inFlight.Announcements != started.Announcements || drops != started.Drops;
            if (--inFlight.Out == 0)
                fetching.Remove(key);
            var now = Environment.TickCount64;
            if (!store || overtaken || LeaseOf(key) is not { } lease || !lease.Live(now)
                || bytes + size > options.MaxBytes)
                return;
            if (entries.TryGetValue(key, out var old))
                bytes -= old.Size;
            entries[key] = new Entry(copy, now, size);
            bytes += size;
        }
    }

    /// <summary>Called through the registry: the key is about to change, so the copy here (if any) is old, and
    /// so is any fetch still on its way.</summary>
    protected void Changing(string key)
    {
        lock (gate)
        {
            if (fetching.TryGetValue(key, out var inFlight))
                inFlight.Announcements++;
            if (entries.TryRemove(key, out var old))
                bytes -= old.Size;
        }
    }

    /// <summary>Drops the copies of one partition (all when <paramref name="partition"/> is null).</summary>
    void Drop(int? partition, int partitions)
    {
        lock (gate)
        {
            drops++;
            foreach (var (key, entry) in entries)
            {
                if (partition is { } p && CopyPartition.Of(key, partitions) != p)
                    continue;
                if (entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
                    bytes -= entry.Size;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
            return;
        OpenSubscription();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (Idle(Environment.TickCount64))
                {
                    await PauseWhileIdle(stoppingToken);
                    continue;
                }
                await RenewAll();
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
            CloseSubscription();
        }
    }

    /// <summary>Waits for the next read. The leases lapse meanwhile, and the registry forgets this process after
    /// <see cref="CopyLeases.Expiry"/>; the copies could not be served again before a renewal that may well say
    /// so, so they go now.</summary>
    async Task PauseWhileIdle(CancellationToken stoppingToken)
    {
        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref resume, wake);
        try
        {
            if (!Idle(Environment.TickCount64))
                return; // a read came in between the two looks
            AnnouncedCopiesLog.Paused(logger, Kind, options.PauseWhenIdleFor);
            var current = Volatile.Read(ref leases);
            foreach (var lease in current)
                lease.Epoch = Guid.Empty; // the next renewal starts afresh, without a "dropped" warning
            Drop(partition: null, current.Length);
            await wake.Task.WaitAsync(stoppingToken);
            AnnouncedCopiesLog.Resumed(logger, Kind);
        }
        finally
        {
            Volatile.Write(ref resume, null);
        }
    }

    /// <summary>Renews every partition's lease at once; the first renewal of all says how many there are.</summary>
    async Task RenewAll()
    {
        var current = Volatile.Read(ref leases);
        if (current.Length == 0)
        {
            current = [new Lease()];
            Volatile.Write(ref leases, current);
        }
        var counts = await Task.WhenAll(current.Select((lease, partition) => RenewOne(partition, current.Length, lease)));
        if (counts.FirstOrDefault(c => c != 0 && c != current.Length) is var other and not 0)
        {
            // The silos announce to another number of partitions than this process knows (the first renewal,
            // or silos restarted with another count of registry partitions): nothing copied is certain.
            if (current.Length > 1)
                AnnouncedCopiesLog.PartitionsChanged(logger, Kind, current.Length, other);
            Volatile.Write(ref leases, Enumerable.Range(0, other).Select(_ => new Lease()).ToArray());
            Drop(partition: null, current.Length);
        }
    }

    /// <summary>Renews one partition's lease; returns how many partitions the registry says there are (0 when the
    /// renewal failed).</summary>
    async Task<int> RenewOne(int partition, int partitions, Lease lease)
    {
        var startedAt = Environment.TickCount64;
        try
        {
            var granted = await Renew(partition);
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
                    AnnouncedCopiesLog.Resubscribed(logger, Kind, partition,
                        granted.Epoch != lease.Epoch ? "the registry restarted" : "the registry had dropped this process");
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
            AnnouncedCopiesLog.RenewFailed(logger, e, Kind, partition);
            return 0;
        }
    }

    void SweepExpired()
    {
        var now = Environment.TickCount64;
        foreach (var (key, entry) in entries)
        {
            if (now - entry.StoredAt < maxAgeMs && Serves(entry.Copy))
                continue;
            lock (gate)
            {
                if (entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
                    bytes -= entry.Size;
            }
        }
    }
}

static partial class AnnouncedCopiesLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} copies idle: nothing read for {Idle}; lease renewals paused and the copies dropped until the next read")]
    public static partial void Paused(ILogger logger, string kind, TimeSpan idle);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} copies renewing their leases again: reads came in")]
    public static partial void Resumed(ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} copies emptied partition {Partition} and subscribed again: {Reason}")]
    public static partial void Resubscribed(ILogger logger, string kind, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} copies could not renew their lease of partition {Partition}; serving from the grains until they can")]
    public static partial void RenewFailed(ILogger logger, Exception exception, string kind, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster announces {Kind} changes to {Partitions} registry partitions, not {Known}; the copies start empty")]
    public static partial void PartitionsChanged(ILogger logger, string kind, int known, int partitions);
}
