using Orleans.Core.Internal;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>Feeds write 100 ms after a change, except the ones a test holds; short queue timeouts
/// (<see cref="QueueProbe.ShortTimeouts"/>), so a killed silo's leased messages come back after 16 s.</summary>
public sealed class FanOutRecoveryFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Append(new("Activities:FeedFlushInterval", "00:00:00.100"));

    protected override void ConfigureCluster(TestClusterBuilder builder)
    {
        builder.AddSiloBuilderConfigurator<HeldWrites.OfFeeds>();
        builder.AddSiloBuilderConfigurator<FeedDeliveryCounter.Installed>();
    }
}

[Collection(SiloFailureCollection.Name)]
public sealed class FanOutRecoveryTests(FanOutRecoveryFixture fixture) : IClassFixture<FanOutRecoveryFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    static readonly int QueueDefaultPartitions = new OrleansScale.Queue.QueueOptions().Partitions;
    IGrainFactory Grains => fixture.Cluster.Client;

    async Task SpreadOverSilos(IReadOnlyList<IAddressable> grains, IManagementGrain management)
    {
        var silos = fixture.Cluster.Silos.Select(s => s.SiloAddress).ToList();
        for (var i = 0; i < grains.Count; i++)
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, silos[i % silos.Count]);
            try
            {
                await grains[i].Cast<IGrainManagementExtension>().MigrateOnIdle();
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
        }
        await Await.Until(() => Task.WhenAll(grains.Select(g => management.GetActivationAddress(g).AsTask())),
            at => silos.All(silo => at.Any(silo.Equals)), Patience, "feeds on every silo");
    }

    [Fact]
    public async Task An_activity_whose_fan_out_silo_dies_before_the_feeds_wrote_it_reaches_every_feed_once_through_the_queue()
    {
        var author = await TestUsers.Create(Grains);
        var readers = await TestUsers.Create(Grains, 10);
        await TestUsers.Befriend(Grains, author, readers);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var management = Grains.GetGrain<IManagementGrain>(0);
        // Feeds on every silo, so that wherever a fan-out runs, some feed is beside it: placement alone once put
        // all ten on one silo and every fan-out on the other, thirty posts in a row.
        await SpreadOverSilos(readers.Select(r => (IAddressable)Grains.GetGrain<IActivityFeedGrain>(r)).ToList(), management);

        // Post until one activity's fan-out runs on a silo that also holds some of the readers' feeds, so that
        // killing it loses both the fan-out and unwritten feed items (each post's fan-out is placed anew).
        ActivityView? view = null;
        SiloAddress? victim = null;
        for (var attempt = 0; attempt < 30 && victim is null; attempt++)
        {
            await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the work queued before");
            foreach (var reader in readers)
                HeldWrites.Feeds.Hold(reader);
            view = await stream.Post(Feeds.Review());
            // Every feed shows it and none has written it: the fan-out still holds its queue message.
            await Feeds.AwaitEverywhere(Grains, readers, view.Id, Patience);
            Assert.Equal(1, await QueueProbe.Queued(fixture.Database));
            var fanOut = Grains.GetGrain<IActivityFanOutGrain>(ActivityQueue.FanOutKey(author, view.Id));
            var fanOutSilo = await management.GetActivationAddress(fanOut);
            var feedSilos = await Task.WhenAll(readers.Select(r => management.GetActivationAddress(Grains.GetGrain<IActivityFeedGrain>(r)).AsTask()));
            if (fanOutSilo is not null && feedSilos.Any(fanOutSilo.Equals))
            {
                victim = fanOutSilo;
                await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(victim)));
            }
            foreach (var reader in readers)
                HeldWrites.Feeds.Release(reader);
        }
        Assert.True(victim is not null, "no fan-out ran beside a reader's feed in thirty posts; the test proves nothing");

        // The feeds on the killed silo lost the activity before writing it, and the fan-out died with them: only
        // the queue, whose lease on the message runs out, can bring it back to them.
        await Feeds.AwaitEverywhere(Grains, readers, view!.Id, Patience);
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the repeated fan-out, once every feed wrote the activity");
        foreach (var reader in readers)
            Assert.Single(await Feeds.All(Grains, reader), a => a.Id == view.Id);
        Assert.Equal(0, await QueueProbe.DeadLetters(fixture.Database));
        await fixture.Cluster.StartAdditionalSiloAsync();
        await QueueAgents.AwaitSettled(Grains, QueueDefaultPartitions, Patience);
    }

    [Fact]
    public async Task A_fan_out_that_outlives_its_delivery_deadline_is_waited_for_by_the_next_delivery_not_repeated()
    {
        var author = await TestUsers.Create(Grains);
        var readers = await TestUsers.Create(Grains, 3);
        await TestUsers.Befriend(Grains, author, readers);
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the work queued before");
        // The second delivery joins the first run only on the silo that runs it: no partition may move between them.
        await QueueAgents.AwaitSettled(Grains, QueueDefaultPartitions, Patience);

        // One feed cannot write, so the fan-out cannot finish: its delivery runs out of time (4 s) and the
        // queue hands the message out again after its retry delay, while the first run still waits.
        HeldWrites.Feeds.Hold(readers[0]);
        var view = await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review());
        await Await.Until(() => fixture.Database.Scalar<int>("SELECT coalesce(max(dequeued), 0)::int FROM orleans_stream_message"),
            handedOut => handedOut >= 2, Patience, "the fan-out's message to be handed out a second time");
        HeldWrites.Feeds.Release(readers[0]);

        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the fan-out, once every feed wrote the activity");
        // The feeds that wrote at once got the activity once: the second delivery joined the first run.
        foreach (var reader in readers.Skip(1))
            Assert.Equal(1, FeedDeliveryCounter.Deliveries(reader, view.Id));
        foreach (var reader in readers)
            Assert.Single(await Feeds.All(Grains, reader), a => a.Id == view.Id);
        Assert.Equal(0, await QueueProbe.DeadLetters(fixture.Database));
    }
}
