using Npgsql;
using OrleansScale.Api.Hosting;

namespace OrleansScale.Tests.Cluster;

/// <summary>Which failures answer 503 (the cluster or the database is unavailable; try again) rather than 500.</summary>
public sealed class ClusterFailuresTests
{
    [Fact]
    public void A_database_that_cannot_be_reached_is_an_outage_and_a_broken_constraint_is_not()
    {
        // What a grain's own SQL throws while PostgreSQL is down, as it arrives in the API.
        Assert.True(ClusterFailures.IsTransient(new NpgsqlException("Failed to connect to 127.0.0.1:5432",
            new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));
        Assert.True(ClusterFailures.IsTransient(new NpgsqlException("Exception while reading from stream", new IOException("reset"))));
        Assert.True(ClusterFailures.IsTransient(new PostgresException("too many clients", "FATAL", "FATAL", "53300")));
        Assert.True(ClusterFailures.IsTransient(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));

        Assert.False(ClusterFailures.IsTransient(new PostgresException("duplicate key", "ERROR", "ERROR", "23505")));
        Assert.False(ClusterFailures.IsTransient(new PostgresException("invalid byte sequence for encoding UTF8: 0x00", "ERROR", "ERROR", "22021")));
    }

    [Fact]
    public void A_call_the_cluster_gave_up_on_is_unavailable_and_a_caller_that_went_away_is_not()
    {
        // What Orleans throws for a call whose message expired while placement waited (the database host cut off).
        Assert.True(ClusterFailures.IsTransient(new OperationCanceledException(
            "Message expired before placement could complete for grain session/abc.")));

        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        Assert.False(ClusterFailures.IsTransient(new OperationCanceledException(aborted.Token)));
        Assert.False(ClusterFailures.IsTransient(new TaskCanceledException("request aborted", null, aborted.Token)));
    }
}
