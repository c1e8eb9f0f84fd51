using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>Hands back the queue messages a silo had leased as soon as the cluster declares it dead, instead of
/// after their visibility timeout (<c>Queue:VisibilityTimeout</c>, 5 min): their work resumes on the silos that
/// took over the dead one's partitions, and back-pressure stops counting them. Each lease records the silo that
/// took it (<see cref="ProviderConnectionNames"/>, deploy/sql/0014). Every silo does it for every silo it sees
/// dead, once; the second finds nothing left to hand back. A silo declared dead stops itself, so what it was still
/// delivering is delivered again, as after its lease ran out; consumers recognise repeats.</summary>
sealed partial class DeadSiloLeases(
    string connectionString,
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    IOptions<ClusterOptions> cluster,
    ILogger<DeadSiloLeases> logger) : BackgroundService
{
    static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(5);
    const int Attempts = 12;

    readonly HashSet<SiloAddress> handled = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                foreach (var member in snapshot.Members.Values)
                {
                    if (member.Status == SiloStatus.Dead && !member.SiloAddress.Equals(local.SiloAddress) && handled.Add(member.SiloAddress))
                        _ = ReleaseAsync(member.SiloAddress, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Tries for about a minute: a silo declared dead while the database is unreachable (a network cut)
    /// has its leases handed back once it is reachable again.</summary>
    async Task ReleaseAsync(SiloAddress dead, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var released = await Release(dead, stoppingToken);
                if (released > 0)
                    LogReleased(released, dead);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < Attempts)
            {
                await Task.Delay(RetryPause, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReleaseFailed(e, dead);
                return;
            }
        }
    }

    Task<int> Release(SiloAddress dead, CancellationToken cancellationToken) =>
        GivenUpLeases.HandBack(connectionString, cluster.Value.ServiceId, dead, queueIds: null, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handed back {Count} queue messages leased by {Silo}, which was declared dead")]
    partial void LogReleased(int count, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand back the queue messages leased by {Silo}, declared dead; they come back when their visibility timeout runs out")]
    partial void LogReleaseFailed(Exception exception, SiloAddress silo);
}
