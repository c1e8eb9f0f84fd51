using Npgsql;

namespace OrleansScale;

/// <summary>A small connection pool of its own for one kind of the grains' SQL (product reviews, a user's
/// review index, an author's articles, the catalog, sessions), so that a burst of one waits for its own
/// connections instead of taking the grain storage's and the queue's.</summary>
public static class DedicatedPool
{
    /// <summary>A data source that opens at most <paramref name="maxConnections"/> connections and keeps the ones
    /// it opened. Npgsql otherwise closes, every Connection Idle Lifetime (300 s), as many connections as sat idle
    /// at the median of its 10-second samples; under a sustained load the next burst opens them again, each a
    /// new backend, a SCRAM handshake and its prepared statements, and on two cores the reopening of a few
    /// pools at once stalled every process for up to a second, every five minutes (docs/operations.md,
    /// "Connection pools"). The price is up to <paramref name="maxConnections"/> idle backends after a load.</summary>
    public static NpgsqlDataSource Create(string connectionString, int maxConnections) =>
        new NpgsqlDataSourceBuilder(connectionString)
        {
            ConnectionStringBuilder = { MaxPoolSize = maxConnections, MinPoolSize = maxConnections },
        }.Build();
}
