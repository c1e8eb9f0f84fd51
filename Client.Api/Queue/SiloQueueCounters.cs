using OrleansScale.Cluster;
using OrleansScale.Queue;

namespace OrleansScale.Api.Queue;

/// <summary>The queue counters of every active silo (<see cref="ISiloInfoGrain.GetQueueCounters"/>), asked
/// for in parallel; a silo that does not answer within 2 s is left out of this reading.</summary>
public sealed class SiloQueueCounters(IGrainFactory grains)
{
    public async Task<IReadOnlyList<(string Silo, QueueCounters Counters)>> Read()
    {
        var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var answers = await Task.WhenAll(silos.Keys.Select(async address =>
        {
            try
            {
                var counters = await grains.GetGrain<ISiloInfoGrain>(address.ToParsableString()).GetQueueCounters()
                    .AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                return (Silo: address.ToParsableString(), Counters: counters);
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                return (Silo: address.ToParsableString(), Counters: (QueueCounters?)null);
            }
        }));
        return answers.Where(a => a.Counters is not null).Select(a => (a.Silo, a.Counters!)).ToList();
    }

    /// <summary>The silos' counters added up per namespace and consumer.</summary>
    public static IReadOnlyList<NamespaceCounters> Total(IEnumerable<QueueCounters> perSilo) => perSilo
        .SelectMany(c => c.Namespaces)
        .GroupBy(n => n.Namespace, StringComparer.Ordinal)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => new NamespaceCounters(g.Key, g.Sum(n => n.Produced), g.Sum(n => n.Published),
            g.SelectMany(n => n.Consumers)
                .GroupBy(c => c.Consumer, StringComparer.Ordinal)
                .OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => new ConsumerCounters(c.Key, c.Sum(x => x.Delivered), c.Sum(x => x.Failed), c.Sum(x => x.TimedOut)))
                .ToList()))
        .ToList();
}
