using OrleansScale.Tests.Activities;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Queue;

/// <summary>The short consumer deadlines of <see cref="QueueProbe.ShortTimeouts"/>, but leases of the default five
/// minutes, so that a lease handed back within the test's patience was handed back, not run out. Fan-out in small
/// batches, so it is still running when its silo is killed.</summary>
public sealed class DeadSiloLeaseFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Concat([
            new("Queue:VisibilityTimeout", "00:05:00"),
            new("Activities:FanOutBatchSize", "50"),
            new("Activities:FeedFlushInterval", "00:00:00.100"),
            new("Queue:MaxRetryDelay", "00:00:09"),
        ]);
}

/// <summary>A silo killed in this process still runs its shutdown, and its pulling agents give their leases back
/// as they stop; a process killed outright or cut off runs nothing. So beside the real leases of a running fan-out
/// (which show that a lease names its silo), the test leases one message in a partition no agent reads, in the
/// killed silo's name, and one in the surviving silo's: only the cluster declaring the silo dead frees the first.</summary>
[Collection(SiloFailureCollection.Name)]
public sealed class DeadSiloLeaseTests(DeadSiloLeaseFixture fixture) : IClassFixture<DeadSiloLeaseFixture>
{
    const string Partition = "dead-silo-lease-test";

    [Fact]
    public async Task The_messages_a_silo_had_leased_are_handed_back_once_it_is_declared_dead_not_when_their_lease_runs_out()
    {
        IGrainFactory grains = fixture.Cluster.Client;
        var fanOut = await RunningFanOut.Start(grains);
        var killed = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(fanOut.Host));
        var survivor = fixture.Cluster.Silos.Single(s => !s.SiloAddress.Equals(fanOut.Host));
        Assert.True(await Leased(LeaseName(killed)) > 0, "the fan-out's silo held no lease in its name");

        await LeaseInNameOf(killed);
        await LeaseInNameOf(survivor);
        await fixture.Cluster.KillSiloAsync(killed);

        await Await.Until(() => Leased(LeaseName(killed), Partition), held => held == 0, TimeSpan.FromSeconds(60),
            "the killed silo's lease handed back");
        Assert.Equal(1, await Leased(LeaseName(survivor), Partition));
        await fixture.Database.Execute($"DELETE FROM orleans_stream_message WHERE queue_id = '{Partition}'");

        // And the fan-out it was running finishes elsewhere.
        await Feeds.AwaitEverywhere(grains, fanOut.Friends, fanOut.Activity.Id, TimeSpan.FromSeconds(60));
        await QueueProbe.AwaitEmpty(fixture.Database, TimeSpan.FromSeconds(60), "the fan-out, once every feed wrote the activity");
        Assert.Equal(0, await QueueProbe.DeadLetters(fixture.Database));
    }

    static string LeaseName(Orleans.TestingHost.SiloHandle silo) => $"orleansscale silo {silo.SiloAddress.ToParsableString()}";

    Task<long> Leased(string leasedBy, string? partition = null) => fixture.Database.Scalar<long>(
        $"SELECT count(*) FROM orleans_stream_message WHERE visible_on > now() AND leased_by = '{leasedBy}'"
        + (partition is null ? "" : $" AND queue_id = '{partition}'"));

    /// <summary>A message of <see cref="Partition"/> leased for five minutes, as the silo's agent leases one.</summary>
    Task LeaseInNameOf(Orleans.TestingHost.SiloHandle silo) => fixture.Database.Execute($"""
        INSERT INTO orleans_stream_message (service_id, provider_id, queue_id, dequeued, visible_on, expires_on,
                                            created_on, modified_on, payload, leased_by)
        VALUES ('{fixture.Cluster.Options.ServiceId}', '{StreamProviders.Queue}', '{Partition}', 1, now() + interval '5 minutes',
                now() + interval '1 day', now(), now(), '\x00', '{LeaseName(silo)}')
        """);
}
