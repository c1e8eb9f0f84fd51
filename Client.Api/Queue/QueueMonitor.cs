using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace OrleansScale.Api.Queue;

/// <summary>Reads the queue's depth, leases, ages and dead letters from Postgres, at most once per
/// <see cref="QueueMonitorOptions.RefreshEvery"/> and only when someone asks (a write that may be refused, a
/// scrape, /api/cluster): with no traffic the API does not poll at all. Concurrent askers share one read, and
/// while it runs they get the previous snapshot.</summary>
public sealed partial class QueueMonitor(
    NpgsqlDataSource database,
    IOptions<ClusterOptions> cluster,
    IOptions<QueueMonitorOptions> options,
    TimeProvider clock,
    ILogger<QueueMonitor> logger) : IQueueAge
{
    const string StatsSql = """
        SELECT queue_id, depth, leased, retrying, stranded, oldest, backlog_oldest, now()
        FROM orleans_stream_stats($1, $2, $3)
        """;
    const string DeadLettersSql = """
        SELECT reason, count(*) FROM orleans_stream_dead_letter
        WHERE service_id = $1 AND provider_id = $2 GROUP BY reason
        """;

    readonly Lock gate = new();
    QueueSnapshot? last;
    Task<QueueSnapshot?>? reading;

    /// <summary>The latest snapshot, read now if it is older than the refresh interval; null when Postgres
    /// has not answered yet.</summary>
    public Task<QueueSnapshot?> Current()
    {
        lock (gate)
        {
            if (last is { } fresh && clock.GetUtcNow() - fresh.ReadAt < options.Value.RefreshEvery)
                return Task.FromResult<QueueSnapshot?>(fresh);
            if (reading is { IsCompleted: false })
                return Task.FromResult(last);
            return reading = Read();
        }
    }

    public async Task<TimeSpan?> BacklogAge() => (await Current())?.BacklogAge;

    async Task<QueueSnapshot?> Read()
    {
        try
        {
            var partitions = new List<PartitionSnapshot>();
            var deadLetters = new Dictionary<string, long>(StringComparer.Ordinal);
            await using var batch = database.CreateBatch();
            var stats = Command(StatsSql);
            stats.Parameters.Add(new NpgsqlParameter { Value = (int)Math.Ceiling(options.Value.StrandedLeaseAge.TotalSeconds) });
            batch.BatchCommands.Add(stats);
            batch.BatchCommands.Add(Command(DeadLettersSql));
            batch.Timeout = 5;
            await using var reader = await batch.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var now = reader.GetFieldValue<DateTimeOffset>(7);
                var backlogAge = reader.IsDBNull(6) ? TimeSpan.Zero : now - reader.GetFieldValue<DateTimeOffset>(6);
                partitions.Add(new PartitionSnapshot(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.GetInt64(4), now - reader.GetFieldValue<DateTimeOffset>(5), backlogAge));
            }
            await reader.NextResultAsync();
            while (await reader.ReadAsync())
                deadLetters[reader.GetString(0)] = reader.GetInt64(1);
            var snapshot = new QueueSnapshot(clock.GetUtcNow(), partitions.OrderBy(p => p.Queue, StringComparer.Ordinal).ToList(), deadLetters);
            lock (gate)
                last = snapshot;
            return snapshot;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogReadFailed(e);
            lock (gate)
                return last;
        }
    }

    NpgsqlBatchCommand Command(string sql) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = cluster.Value.ServiceId },
            new NpgsqlParameter { Value = StreamProviders.Queue },
        },
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the queue's state from Postgres")]
    partial void LogReadFailed(Exception exception);
}
