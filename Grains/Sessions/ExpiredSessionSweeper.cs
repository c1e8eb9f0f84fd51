using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace OrleansScale.Sessions;

/// <summary>Deletes the stored state of sessions that expired without being used again (a session is
/// only closed, and its row deleted, when someone presents its token after expiry). A row whose last
/// write is older than <c>IdleTimeout + ExpiryWriteInterval</c> belongs to an expired session: every use
/// slides the expiry and writes it at least once per <c>ExpiryWriteInterval</c>. Both times are the
/// database's clock, so silo clocks do not matter. Every silo sweeps; the deletes are idempotent, and a
/// random start spreads the silos' sweeps apart.</summary>
public sealed partial class ExpiredSessionSweeper(
    SessionStorageDatabase database,
    IOptions<SessionOptions> options,
    IOptions<ClusterOptions> cluster,
    ILogger<ExpiredSessionSweeper> logger) : BackgroundService
{
    const int BatchSize = 1_000;
    // The slack for the time a write takes to reach the database after the grain read its clock.
    static readonly TimeSpan WriteSlack = TimeSpan.FromSeconds(10);

    const string DeleteExpired = """
        DELETE FROM orleans_storage
         WHERE id IN (SELECT id
                        FROM orleans_storage
                       WHERE grain_type = 'session'
                         AND service_id = $1
                         AND modified_on < now() - $2
                       LIMIT $3)
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.SweepEvery;
        try
        {
            await Task.Delay(every * Random.Shared.NextDouble(), stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Sweep(stoppingToken);
                await Task.Delay(every, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Deletes every expired session row, in batches.</summary>
    async Task Sweep(CancellationToken cancellationToken)
    {
        var lifetime = options.Value.IdleTimeout + options.Value.ExpiryWriteInterval + WriteSlack;
        var deleted = 0;
        try
        {
            while (true)
            {
                await using var command = database.DataSource.CreateCommand(DeleteExpired);
                command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
                command.Parameters.Add(new NpgsqlParameter { Value = lifetime });
                command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
                var batch = await command.ExecuteNonQueryAsync(cancellationToken);
                deleted += batch;
                if (batch < BatchSize)
                    break;
            }
            if (deleted > 0)
                LogSwept(deleted);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogSweepFailed(e, deleted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the stored state of {Count} expired sessions")]
    partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired sessions failed after {Count} deletions; the next sweep tries again")]
    partial void LogSweepFailed(Exception exception, int count);
}

/// <summary>The connection the sweeper uses: a small pool of its own, so a sweep never waits behind,
/// or starves, the grain storage's connections.</summary>
public sealed class SessionStorageDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
