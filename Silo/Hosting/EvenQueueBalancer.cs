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
/// agent only.</summary>
sealed partial class EvenQueueBalancer(IServiceProvider services, ILogger<EvenQueueBalancer> logger)
    : QueueBalancerBase(services, logger)
{
    QueueId[] partitions = [];
    SiloAddress[] activeSilos = [];

    public static IStreamQueueBalancer Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<EvenQueueBalancer>(services);

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        partitions = [.. queueMapper.GetAllQueues().Order()];
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues() => Share(partitions, Volatile.Read(ref activeSilos), SiloAddress);

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
            await NotifyListeners();
        }
        catch (Exception e)
        {
            // The pulling agents keep the partitions they had until the next membership change.
            LogNotifyFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue partitions: this silo pulls {Mine} of {Partitions}, shared by {Silos} active silos")]
    partial void LogShare(int mine, int partitions, int silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the queue's pulling agents about a new share of partitions failed")]
    partial void LogNotifyFailed(Exception exception);
}
