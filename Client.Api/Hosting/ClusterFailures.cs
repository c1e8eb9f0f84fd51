using System.Data.Common;
using System.Net.Sockets;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace OrleansScale.Api.Hosting;

static class ClusterFailures
{
    /// <summary>Failures of the cluster or the path to it, not of the request: a silo that just died,
    /// no reachable gateway, a call that timed out, a grain whose state could not be read or written. They
    /// answer 503 and are worth one retry for reads.</summary>
    public static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or SiloUnavailableException or ClientNotAvailableException
        or ConnectionFailedException or GatewayTooBusyException or TimeoutException
        || IsExpiredInCluster(exception) || IsStorageFailure(exception) || IsDatabaseUnreachable(exception);

    /// <summary>A call the cluster gave up on before it reached its grain ("Message expired before placement
    /// could complete", seen while the database host was cut off): like a timeout, its outcome is not known.
    /// A cancellation this process asked for (the caller went away) carries its cancelled token and is not
    /// one.</summary>
    static bool IsExpiredInCluster(Exception exception) =>
        exception is OperationCanceledException { CancellationToken.IsCancellationRequested: false };

    /// <summary>A grain's own SQL (the rows of product_review, say) failed because the database could not be
    /// reached, refused the connection or timed out: what Npgsql marks transient, or a database error caused
    /// by the network. A database error of any other kind (a constraint the code broke) is a bug, not an
    /// outage, and stays a 500.</summary>
    static bool IsDatabaseUnreachable(Exception exception) =>
        exception is DbException { IsTransient: true }
        || exception is DbException { InnerException: IOException or SocketException or TimeoutException };

    /// <summary>Grain storage failed the call: the database answered with an error or was cut off, the read
    /// was cancelled, or another writer stored the grain's state first (a version conflict: two activations
    /// of one grain during a failover; the loser's write is refused and its activation ends, so the next
    /// call reads what the winner stored). A grain whose state did not load fails its activation, and
    /// Orleans hands the caller the storage bridge's <see cref="OrleansException"/> around the cause; the
    /// grain never ran, so nothing was changed or answered from an empty state.</summary>
    static bool IsStorageFailure(Exception exception)
    {
        if (exception is InconsistentStateException)
            return true;
        if (exception is not OrleansException)
            return false;
        for (var cause = exception.InnerException; cause is not null; cause = cause.InnerException)
        {
            if (cause is DbException or IOException or SocketException or TimeoutException or OperationCanceledException)
                return true;
        }
        return false;
    }

    /// <summary>How long to wait before the one retry of a read: about the time the cluster needs to
    /// declare a killed silo dead with the tuned membership settings.</summary>
    public static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(750);

    /// <summary>How long to wait before sending a rejected call again: the rejection already told this
    /// process that the grain is no longer where it sent the call, so the next attempt looks it up afresh.</summary>
    public static readonly TimeSpan RejectedRetryPause = TimeSpan.FromMilliseconds(200);
}
