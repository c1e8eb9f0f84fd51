using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Streams;

namespace OrleansScale.Silo.Hosting;

/// <summary>Hands back the leases this silo still holds on partitions it no longer pulls (deploy/sql/0015): a
/// message its agent was delivering when the agent stopped is otherwise invisible for the whole visibility
/// timeout, and back-pressure counts it as the oldest work meanwhile. A delivery still running then may be
/// repeated by the partition's new agent, which consumers tolerate.</summary>
sealed partial class GivenUpLeases(
    string connectionString,
    ILocalSiloDetails local,
    IOptions<ClusterOptions> cluster,
    ILogger<GivenUpLeases> logger)
{
    public async Task Release(IReadOnlyCollection<QueueId> partitions)
    {
        if (partitions.Count == 0)
            return;
        try
        {
            var released = await HandBack(connectionString, cluster.Value.ServiceId, local.SiloAddress,
                [.. partitions.Select(p => p.ToString())], CancellationToken.None);
            if (released > 0)
                LogReleased(released, partitions.Count);
        }
        catch (Exception e)
        {
            LogReleaseFailed(e, partitions.Count);
        }
    }

    /// <summary>Makes the messages <paramref name="holder"/> leases in those partitions (all of them when null)
    /// visible now; returns how many.</summary>
    public static async Task<int> HandBack(string connectionString, string serviceId, SiloAddress holder,
        string[]? queueIds, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT orleans_stream_release_queue_leases($1, $2, $3, $4)", connection)
        {
            Parameters =
            {
                new() { Value = serviceId },
                new() { Value = StreamProviders.Queue },
                new() { Value = (object?)queueIds ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
                new() { Value = ProviderConnectionNames.ApplicationName(holder) },
            },
        };
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed back {Count} queue messages still leased on {Partitions} partitions this silo no longer pulls")]
    partial void LogReleased(int count, int partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand back the leases on {Partitions} partitions this silo no longer pulls; they come back when their visibility timeout runs out")]
    partial void LogReleaseFailed(Exception exception, int partitions);
}
