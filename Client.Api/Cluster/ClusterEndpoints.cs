using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Jobs;
using OrleansScale.Cluster;

namespace OrleansScale.Api.Cluster;

public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", GetCluster).WithTags("Cluster").WithName("GetCluster");
        return app;
    }

    public sealed record ClusterView(IReadOnlyList<SiloView> Silos, ProcessView Api, QueueView Queue);

    /// <summary>The background work queue; <c>DeadLetters</c> is null when Postgres did not answer.</summary>
    public sealed record QueueView(long? DeadLetters);

    public sealed record SiloView(
        string Address, string Name, string Status, string? Version, DateTimeOffset StartedAt,
        int Activations, IReadOnlyDictionary<string, int> ActivationsByType);

    public sealed record ProcessView(string Name, string Version, DateTimeOffset StartedAt);

    static async Task<Ok<ClusterView>> GetCluster(IGrainFactory grains, DeadLetters deadLetters)
    {
        var deadLetterCount = deadLetters.CountAsync();
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
                new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)), byType.Values.Sum(), byType);
        }));

        var api = ProcessInfo.OfCurrentProcess($"api-{Environment.MachineName}-{Environment.ProcessId}");
        return TypedResults.Ok(new ClusterView(silos, new ProcessView(api.Name, api.Version, api.StartedAt),
            new QueueView(await deadLetterCount)));
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
