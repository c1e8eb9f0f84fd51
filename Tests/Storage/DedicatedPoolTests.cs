using Npgsql;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Storage;

/// <summary>The grains' own pools keep the connections a burst opened, so that Npgsql's pruning does not close
/// them only for the next burst to open them all again (docs/operations.md, "Connection pools").</summary>
public sealed class DedicatedPoolTests
{
    [Fact]
    public async Task Connections_a_burst_opened_stay_open_after_the_pool_prunes()
    {
        await using var database = await TestDatabase.CreateEmpty(nameof(DedicatedPoolTests));
        var application = "pool-" + Guid.NewGuid().ToString("N")[..8];
        // Pruning every second instead of every 300 s, so the test sees what a long-running silo sees.
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            ApplicationName = application,
            ConnectionIdleLifetime = 1,
            ConnectionPruningInterval = 1,
        }.ConnectionString;
        await using var pool = DedicatedPool.Create(connectionString, maxConnections: 3);

        var burst = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => pool.OpenConnectionAsync().AsTask()));
        foreach (var connection in burst)
            await connection.DisposeAsync();
        Assert.Equal(3, await Backends(database, application));

        await Task.Delay(TimeSpan.FromSeconds(3));   // three pruning rounds; nothing to await instead
        Assert.Equal(3, await Backends(database, application));
    }

    static async Task<long> Backends(TestDatabase database, string application) =>
        await database.Scalar<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'");
}
