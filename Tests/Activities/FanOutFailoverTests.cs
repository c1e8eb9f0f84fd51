using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Activities;

/// <summary>Fan-out in small batches, so it is still running when the test kills its silo, and short queue
/// timeouts (<see cref="QueueProbe.ShortTimeouts"/>), so messages taken by the dead silo come back in seconds.
/// Feeds write after 100 ms, so that the fan-out's wait for their writes fits its deadline. A redelivery after
/// the kill may still overrun that deadline while the feeds of the dead silo activate again, so retries do not
/// double their delay here: each comes 9 to 13.5 s after the last, not 9, 18, 36 s on.</summary>
public sealed class FanOutFailoverFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Concat([
            new("Activities:FanOutBatchSize", "50"),
            new("Activities:FeedFlushInterval", "00:00:00.100"),
            new("Queue:MaxRetryDelay", "00:00:09"),
        ]);
}

[Collection(SiloFailureCollection.Name)]
public sealed class FanOutFailoverTests(FanOutFailoverFixture fixture) : IClassFixture<FanOutFailoverFixture>
{
    [Fact]
    public async Task Fan_out_finishes_after_the_silo_running_it_is_killed_mid_way()
    {
        IGrainFactory grains = fixture.Cluster.Client;
        var fanOut = await RunningFanOut.Start(grains);
        var silo = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(fanOut.Host));
        var finishedBeforeKill = await fanOut.Finished(grains);
        await fixture.Cluster.KillSiloAsync(silo);

        Assert.False(finishedBeforeKill, "the fan-out finished before the kill; the test proved nothing");
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
}
