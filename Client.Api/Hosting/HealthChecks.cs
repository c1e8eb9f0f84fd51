using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace OrleansScale.Api.Hosting;

/// <summary>Ready only when a grain call goes through: the client is connected to a live gateway.</summary>
sealed class ClusterConnectionHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return silos.Count > 0 ? HealthCheckResult.Healthy($"{silos.Count} active silos") : HealthCheckResult.Unhealthy("No active silo");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The cluster does not answer", e);
        }
    }
}

sealed class PostgresHealthCheck(NpgsqlDataSource database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("Postgres does not answer", e);
        }
    }
}
