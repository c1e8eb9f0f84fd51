using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Activities;

/// <summary>Fan-out in small batches, so it is still running when the test kills its silo, and the short consumer
/// deadlines of <see cref="QueueProbe.ShortTimeouts"/> but leases of the default five minutes: what the dead silo
/// had leased comes back within the test's patience only because it is handed back, when the silo stops or when
/// it is declared dead. Feeds write after 100 ms, so that the fan-out's wait for their writes fits its deadline.
/// A redelivery after the kill may still overrun that deadline while the feeds of the dead silo activate again,
/// so retries do not double their delay here: each comes 9 to 13.5 s after the last, not 9, 18, 36 s on.</summary>
public sealed class FanOutFailoverFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Concat([
            new("Queue:VisibilityTimeout", "00:05:00"),
            new("Activities:FanOutBatchSize", "50"),
            new("Activities:FeedFlushInterval", "00:00:00.100"),
            new("Queue:MaxRetryDelay", "00:00:09"),
        ]);
}

/// <summary>A silo killed in this process still runs its shutdown, and its pulling agents give their leases back as
/// they stop; a process killed outright or cut off from the network runs nothing. So beside the fan-out's real
/// leases (which show that a lease names its silo), the test leases one message in a partition no agent reads in
/// the killed silo's name, and one in the surviving silo's: only the cluster declaring the silo dead frees the
/// first (Silo/Hosting/DeadSiloLeases.cs).</summary>
[Collection(SiloFailureCollection.Name)]
public sealed class FanOutFailoverTests(FanOutFailoverFixture fixture) : IClassFixture<FanOutFailoverFixture>
{
    const string UnreadPartition = "dead-silo-lease-test";

    [Fact]
    public async Task Fan_out_finishes_after_the_silo_running_it_is_killed_mid_way_and_that_silos_leases_are_handed_back()
    {
        IGrainFactory grains = fixture.Cluster.Client;
        var fanOut = await RunningFanOut.Start(grains);
        var killed = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(fanOut.Host));
        var survivor = fixture.Cluster.Silos.Single(s => !s.SiloAddress.Equals(fanOut.Host));
        Assert.True(await Leased(LeaseName(killed)) > 0, "the fan-out's silo held no lease in its name");
        await LeaseInNameOf(killed);
        await LeaseInNameOf(survivor);
        var finishedBeforeKill = await fanOut.Finished(grains);
        await fixture.Cluster.KillSiloAsync(killed);

        Assert.False(finishedBeforeKill, "the fan-out finished before the kill; the test proved nothing");
        await Await.Until(() => Leased(LeaseName(killed), UnreadPartition), held => held == 0, TimeSpan.FromSeconds(60),
            "the killed silo's lease handed back");
        Assert.Equal(1, await Leased(LeaseName(survivor), UnreadPartition));
        await fixture.Database.Execute($"DELETE FROM orleans_stream_message WHERE queue_id = '{UnreadPartition}'");

        await Feeds.AwaitEverywhere(grains, fanOut.Friends, fanOut.Activity.Id, TimeSpan.FromSeconds(90));
        // Shown is not yet written: a feed activation that loses a write race to a leftover of the killed silo
        // drops what it showed, and the fan-out sends it again. Once the queue lets the fan-out go, every feed
        // has written it.
        await QueueProbe.AwaitEmpty(fixture.Database, TimeSpan.FromSeconds(90), "the fan-out, once every feed wrote the activity");
        // A message also leaves the queue when it runs out of attempts: then the fan-out gave up.
        Assert.Equal(0, await QueueProbe.DeadLetters(fixture.Database));
        foreach (var friend in fanOut.Friends)
            Assert.Single(await Feeds.All(grains, friend), a => a.Id == fanOut.Activity.Id);
    }

    static string LeaseName(Orleans.TestingHost.SiloHandle silo) => $"orleansscale silo {silo.SiloAddress.ToParsableString()}";

    Task<long> Leased(string leasedBy, string? partition = null) => fixture.Database.Scalar<long>(
        $"SELECT count(*) FROM orleans_stream_message WHERE visible_on > now() AND leased_by = '{leasedBy}'"
        + (partition is null ? "" : $" AND queue_id = '{partition}'"));

    /// <summary>A message of <see cref="UnreadPartition"/> leased for five minutes, as the silo's agent leases one.</summary>
    Task LeaseInNameOf(Orleans.TestingHost.SiloHandle silo) => fixture.Database.Execute($"""
        INSERT INTO orleans_stream_message (service_id, provider_id, queue_id, dequeued, visible_on, expires_on,
                                            created_on, modified_on, payload, leased_by)
        VALUES ('{fixture.Cluster.Options.ServiceId}', '{StreamProviders.Queue}', '{UnreadPartition}', 1, now() + interval '5 minutes',
                now() + interval '1 day', now(), now(), '\x00', '{LeaseName(silo)}')
        """);
}
