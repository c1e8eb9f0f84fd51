using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using Orleans.Configuration;

namespace OrleansScale.Api.Jobs;

public static class QueueMonitoring
{
    public const string MeterName = "OrleansScale.Queue";

    /// <summary>Operators see how many queue messages were given up on (dead-lettered after their
    /// attempts or their expiry): the "queue" field of /api/cluster and the gauge
    /// orleansscale_queue_dead_letters on /metrics.</summary>
    public static WebApplicationBuilder AddQueueMonitoring(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(MeterName));
        return builder;
    }
}

/// <summary>Counts the queue's dead letters in Postgres. The provider keeps them for its
/// DeadLetterEvictionTimeout, so the count is of recent ones.</summary>
public sealed partial class DeadLetters : IDisposable
{
    const string CountSql = "SELECT count(*) FROM orleans_stream_dead_letter WHERE service_id = $1 AND provider_id = $2";

    readonly NpgsqlDataSource database;
    readonly string serviceId;
    readonly ILogger<DeadLetters> logger;
    readonly Meter meter;

    public DeadLetters(NpgsqlDataSource database, IOptions<ClusterOptions> cluster, IMeterFactory meters, ILogger<DeadLetters> logger)
    {
        this.database = database;
        this.logger = logger;
        serviceId = cluster.Value.ServiceId;
        meter = meters.Create(QueueMonitoring.MeterName);
        // Read at scrape time (a scrape is rare and the count is one index range), so the value is never stale.
        meter.CreateObservableGauge("orleansscale.queue.dead_letters", ObserveCount, unit: "{message}",
            description: "Messages of the background work queue given up on after their attempts or expiry");
    }

    public async Task<long?> CountAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = database.CreateCommand(CountSql);
            command.Parameters.Add(new NpgsqlParameter { Value = serviceId });
            command.Parameters.Add(new NpgsqlParameter { Value = StreamProviders.Queue });
            command.CommandTimeout = 5;
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogCountFailed(e);
            return null;
        }
    }

    IEnumerable<Measurement<long>> ObserveCount()
    {
        var count = CountAsync().GetAwaiter().GetResult();
        return count is { } value ? [new Measurement<long>(value)] : [];
    }

    public void Dispose() => meter.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not count the queue's dead letters")]
    partial void LogCountFailed(Exception exception);
}
