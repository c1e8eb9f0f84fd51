using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace OrleansScale.Silo.Hosting;

/// <summary>Hands the queue's partitions out evenly over the active silos: with the silos and the partitions
/// each in a fixed order, partition i goes to silo i mod n, so every silo pulls ⌊p/n⌋ or ⌈p/n⌉ of them.
/// Orleans' default balancer gives each silo the partitions that fall in its share of the consistent ring;
/// with 4 partitions that left one silo of two pulling all of them, and so doing all the background work,
/// for at least 90 s after a silo was killed and restarted. A silo that is stopping is no longer active, so
/// the others take its partitions as soon as they see it leave, and it gives them up as soon as it sees
/// itself leave. While the silos see a membership change at different moments, a partition may be pulled
/// by two of them, or by none, for that moment, as with the ring: the queue leases each message to one
/// agent only. A stopping silo can give its partitions up before Orleans' shutdown begins
/// (<see cref="Relinquish"/>, called by <see cref="DrainOnStop"/>).</summary>
sealed partial class EvenQueueBalancer(IServiceProvider services, GivenUpLeases givenUp, ILogger<EvenQueueBalancer> logger)
    : QueueBalancerBase(services, logger)
{
    QueueId[] partitions = [];
    SiloAddress[] activeSilos = [];
    volatile bool relinquished;
    // What the agents were last told to pull; only touched by the serialized notifications below.
    readonly SemaphoreSlim notifying = new(1, 1);
    HashSet<QueueId> pulled = [];

    public static IStreamQueueBalancer Create(IServiceProvider services, string name)
    {
        var balancer = ActivatorUtilities.CreateInstance<EvenQueueBalancer>(services);
        services.GetRequiredService<QueueBalancers>().Add(balancer);
        return balancer;
    }

    /// <summary>From now on this silo pulls no partition; completes when its pulling agents have stopped. The
    /// other silos take the partitions over when they see this one leave the active silos.</summary>
    public Task Relinquish()
    {
        relinquished = true;
        return NotifyAndReleaseGivenUp();
    }

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        partitions = [.. queueMapper.GetAllQueues().Order()];
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues() =>
        relinquished ? [] : Share(partitions, Volatile.Read(ref activeSilos), SiloAddress);

    /// <summary>The partitions <paramref name="silo"/> pulls when <paramref name="silos"/> (in order) are the
    /// active ones: none when it is not one of them (joining, or stopping).</summary>
    internal static IReadOnlyList<QueueId> Share(IReadOnlyList<QueueId> partitions, IReadOnlyList<SiloAddress> silos, SiloAddress silo)
    {
        var index = silos.ToList().IndexOf(silo);
        if (index < 0)
            return [];
        return [.. partitions.Where((_, i) => i % silos.Count == index)];
    }

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        Volatile.Write(ref this.activeSilos, [.. activeSilos.Order()]);
        var mine = GetMyQueues().ToList();
        LogShare(mine.Count, partitions.Length, activeSilos.Count);
        _ = Notify();
    }

    async Task Notify()
    {
        try
        {
            await NotifyAndReleaseGivenUp();
        }
        catch (Exception e)
        {
            // The pulling agents keep the partitions they had until the next membership change.
            LogNotifyFailed(e);
        }
    }

    /// <summary>Tells the pulling agents the new share; once the agents of the partitions given up have stopped,
    /// hands back what this silo still leases on them.</summary>
    async Task NotifyAndReleaseGivenUp()
    {
        await notifying.WaitAsync();
        try
        {
            var now = GetMyQueues().ToHashSet();
            await NotifyListeners();
            var given = pulled.Except(now).ToList();
            pulled = now;
            await givenUp.Release(given);
        }
        finally
        {
            notifying.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue partitions: this silo pulls {Mine} of {Partitions}, shared by {Silos} active silos")]
    partial void LogShare(int mine, int partitions, int silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the queue's pulling agents about a new share of partitions failed")]
    partial void LogNotifyFailed(Exception exception);
}

/// <summary>This silo's queue balancers, one per queue provider, so that a stopping silo can give up its
/// partitions before it drains.</summary>
sealed class QueueBalancers
{
    readonly List<EvenQueueBalancer> all = [];

    public void Add(EvenQueueBalancer balancer)
    {
        lock (all)
            all.Add(balancer);
    }

    /// <summary>Completes when every queue's pulling agents on this silo have stopped.</summary>
    public Task Relinquish()
    {
        EvenQueueBalancer[] each;
        lock (all)
            each = [.. all];
        return Task.WhenAll(each.Select(balancer => balancer.Relinquish()));
    }
}
