using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using OrleansScale.Queue;

namespace OrleansScale.Silo.Hosting;

/// <summary>Writes this silo's retry delays (<see cref="QueueOptions.RetryDelay"/>,
/// <see cref="QueueOptions.MaxRetryDelay"/>) where the queue's failure query reads them
/// (<c>orleans_stream_retry_policy</c>, deploy/sql/0009): the provider passes no such setting to the
/// database itself. Every silo writes the same row, so the silos of one cluster must agree on the delays,
/// as they must on the partitions.</summary>
sealed partial class QueueRetryPolicy(
    string connectionString,
    IOptions<QueueOptions> queue,
    IOptions<ClusterOptions> cluster,
    ILogger<QueueRetryPolicy> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        const string upsert = """
            INSERT INTO orleans_stream_retry_policy (service_id, provider_id, first_delay, max_delay)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT ON CONSTRAINT orleans_stream_retry_policy_pk DO UPDATE
                SET first_delay = excluded.first_delay, max_delay = excluded.max_delay
                WHERE (orleans_stream_retry_policy.first_delay, orleans_stream_retry_policy.max_delay)
                      IS DISTINCT FROM (excluded.first_delay, excluded.max_delay)
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(upsert, connection)
        {
            Parameters =
            {
                new() { Value = cluster.Value.ServiceId },
                new() { Value = StreamProviders.Queue },
                new() { Value = queue.Value.RetryDelay },
                new() { Value = queue.Value.MaxRetryDelay },
            },
        };
        if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
            LogPolicyWritten(queue.Value.RetryDelay, queue.Value.MaxRetryDelay);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue retry delays set to {First} doubling up to {Max}")]
    partial void LogPolicyWritten(TimeSpan first, TimeSpan max);
}
