using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>Feeds write 100 ms after a change, except the feeds a test holds (<see cref="HeldWrites.Feeds"/>).
/// A fan-out whose silo was killed comes back in seconds: before it returned to the queue, through a short
/// queue visibility timeout; after (every feed showed it), through the author's stream, which re-queues
/// unconfirmed activities after 2 s on a 1 s reminder.</summary>
public sealed class FeedWriteBehindFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Activities:FeedFlushInterval", "00:00:00.100"),
        new("Queue:VisibilityTimeout", "00:00:05"),
        new("Activities:RequeueAfter", "00:00:02"),
        new("Reminders:MinimumReminderPeriod", "00:00:01"),
    ];

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<HeldWrites.OfFeeds>();
}

public sealed class FeedWriteBehindTests(FeedWriteBehindFixture fixture) : IClassFixture<FeedWriteBehindFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Fan_out_is_confirmed_only_after_every_feed_has_written_it()
    {
        var author = await TestUsers.Create(Grains);
        var friends = await TestUsers.Create(Grains, 3);
        await TestUsers.Befriend(Grains, author, friends);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        HeldWrites.Feeds.Hold(friends[0]);
        ActivityView view;
        try
        {
            view = await stream.Post(Feeds.Review());
            // Readers see it everywhere before it is written everywhere ...
            await Feeds.AwaitEverywhere(Grains, friends, view.Id, Patience);
            // ... and the fan-out is not confirmed while one feed has not written it.
            Assert.False(await stream.IsFannedOut(view.Id));
        }
        finally
        {
            HeldWrites.Feeds.Release(friends[0]);
        }

        await Await.Until(() => stream.IsFannedOut(view.Id).AsTask(), done => done, Patience, "the fan-out's confirmation");
    }

    [Fact]
    public async Task A_feed_whose_silo_dies_before_it_writes_gets_the_activity_again()
    {
        var author = await TestUsers.Create(Grains);
        var reader = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader]);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        HeldWrites.Feeds.Hold(reader);
        ActivityView view;
        try
        {
            view = await stream.Post(Feeds.Review());
            await Feeds.AwaitEverywhere(Grains, [reader], view.Id, Patience);
            var host = await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(Grains.GetGrain<IActivityFeedGrain>(reader));
            await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));

            // The feed's activation died with the item unwritten (its writes are held): a new activation
            // can only have it from a redelivery.
            await Feeds.AwaitEverywhere(Grains, [reader], view.Id, Patience);
            Assert.False(await stream.IsFannedOut(view.Id));
        }
        finally
        {
            HeldWrites.Feeds.Release(reader);
        }

        await Await.Until(() => stream.IsFannedOut(view.Id).AsTask(), done => done, Patience, "the fan-out's confirmation");
        Assert.Single(await Feeds.All(Grains, reader), a => a.Id == view.Id);
    }
}
