using System.Text.Json;
using OrleansScale.Bench.ClusterLoad.Api;

namespace OrleansScale.Bench.ClusterLoad.Faults;

/// <summary>How many silos /api/cluster shows Active; null when it does not answer (it asks every silo, so
/// it answers 503 while one is unreachable and not yet declared dead).</summary>
public static class ClusterStrength
{
    public static async Task<int?> ActiveSilos(ApiClient api)
    {
        var answer = await api.Get("/api/cluster");
        if (answer.Status != 200)
            return null;
        using var cluster = JsonDocument.Parse(answer.Body);
        return cluster.RootElement.GetProperty("silos").EnumerateArray()
            .Count(silo => silo.GetProperty("status").GetString() == "Active");
    }
}
