using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Queue;
using OrleansScale.Cluster;

namespace OrleansScale.Api.Cluster;

public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", GetCluster).WithTags("Cluster").WithName("GetCluster")
            .WithSummary("The silos with their versions and activations, this API process, and the background queue.");
        return app;
    }

    public sealed record ClusterView(IReadOnlyList<SiloView> Silos, ProcessView Api, QueueView Queue);

    /// <summary>The background work queue. The numbers from Postgres (depth, leases, age, dead letters) are
    /// null when it did not answer; <c>Namespaces</c> adds up what the active silos report.</summary>
    public sealed record QueueView(
        long? Depth, long? Leased, long? Retrying, long? Stranded, double? OldestAgeSeconds, double? BacklogAgeSeconds,
        long? DeadLetters, IReadOnlyDictionary<string, long>? DeadLettersByReason,
        BackpressureView Backpressure,
        IReadOnlyList<PartitionView> Partitions,
        IReadOnlyList<NamespaceView> Namespaces);

    public sealed record BackpressureView(bool Active, string? Reason);

    public sealed record PartitionView(string Queue, long Depth, long Leased, long Retrying, long Stranded,
        double OldestAgeSeconds, double BacklogAgeSeconds);

    /// <param name="Amplification">Published / produced, null before anything was produced.</param>
    public sealed record NamespaceView(string Namespace, long Produced, long Published, double? Amplification,
        long Delivered, long Failed, long TimedOut, IReadOnlyList<ConsumerView> Consumers);

    public sealed record ConsumerView(string Consumer, long Delivered, long Failed, long TimedOut);

    /// <param name="Host">The IP address the silo advertises (its host's), which <c>Address</c> also begins with.</param>
    public sealed record SiloView(
        string Address, string Name, string Status, string? Version, DateTimeOffset StartedAt,
        int Activations, IReadOnlyDictionary<string, int> ActivationsByType, string Host);

    /// <param name="Urls">Where this process listens, so the host of each API process shows too.</param>
    public sealed record ProcessView(string Name, string Version, DateTimeOffset StartedAt, IReadOnlyList<string> Urls);

    static async Task<Ok<ClusterView>> GetCluster(IGrainFactory grains, QueueMonitor queue, QueueBackpressure backpressure,
        SiloQueueCounters siloCounters, IServer server)
    {
        var queueTask = QueueOf(queue, backpressure, siloCounters);
        var management = grains.GetGrain<IManagementGrain>(0);
        var hostsTask = management.GetDetailedHosts(onlyActive: false);
        var statisticsTask = management.GetSimpleGrainStatistics();
        var hosts = (await hostsTask).Where(h => h.Status != SiloStatus.Dead).ToList();
        var statistics = await statisticsTask;

        var silos = await Task.WhenAll(hosts.Select(async h =>
        {
            var byType = statistics.Where(s => s.SiloAddress.Equals(h.SiloAddress))
                .GroupBy(s => s.GrainType)
                .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
            var info = h.Status == SiloStatus.Active ? await VersionOf(grains, h.SiloAddress) : null;
            return new SiloView(h.SiloAddress.ToParsableString(), h.SiloName, h.Status.ToString(), info?.Version,
                new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)), byType.Values.Sum(), byType,
                h.SiloAddress.Endpoint.Address.ToString());
        }));

        var api = ProcessInfo.OfCurrentProcess($"api-{Environment.MachineName}-{Environment.ProcessId}");
        var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        return TypedResults.Ok(new ClusterView(silos, new ProcessView(api.Name, api.Version, api.StartedAt, urls), await queueTask));
    }

    static async Task<QueueView> QueueOf(QueueMonitor monitor, QueueBackpressure backpressure, SiloQueueCounters siloCounters)
    {
        var snapshotTask = monitor.Current();
        var countersTask = siloCounters.Read();
        var snapshot = await snapshotTask;
        var reason = await backpressure.Reason();
        var namespaces = SiloQueueCounters.Total((await countersTask).Select(s => s.Counters)).Select(n => new NamespaceView(
            n.Namespace, n.Produced, n.Published, n.Produced > 0 ? Math.Round((double)n.Published / n.Produced, 4) : null,
            n.Consumers.Sum(c => c.Delivered), n.Consumers.Sum(c => c.Failed), n.Consumers.Sum(c => c.TimedOut),
            n.Consumers.Select(c => new ConsumerView(c.Consumer, c.Delivered, c.Failed, c.TimedOut)).ToList())).ToList();
        return new QueueView(snapshot?.Depth, snapshot?.Leased, snapshot?.Retrying, snapshot?.Stranded,
            snapshot?.OldestAge.TotalSeconds, snapshot?.BacklogAge.TotalSeconds,
            snapshot?.DeadLetters, snapshot?.DeadLettersByReason, new BackpressureView(reason is not null, reason),
            snapshot?.Partitions.Select(p => new PartitionView(p.Queue, p.Depth, p.Leased, p.Retrying, p.Stranded,
                p.OldestAge.TotalSeconds, p.BacklogAge.TotalSeconds)).ToList() ?? [],
            namespaces);
    }

    /// <summary>Asks the silo itself for its build; a silo that cannot answer in time shows no version
    /// rather than failing the whole report.</summary>
    static async Task<ProcessInfo?> VersionOf(IGrainFactory grains, SiloAddress silo)
    {
        try
        {
            return await grains.GetGrain<ISiloInfoGrain>(silo.ToParsableString()).Get().AsTask().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return null;
        }
    }
}
