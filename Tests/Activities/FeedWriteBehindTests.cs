using Orleans.Core.Internal;
using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Storage;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>Feeds write 100 ms after a change, except the feeds a test holds (<see cref="HeldWrites.Feeds"/>).
/// The queue's timeouts are short (<see cref="QueueProbe.ShortTimeouts"/>), so the messages of a killed silo
/// come back in seconds.</summary>
public sealed class FeedWriteBehindFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Append(new("Activities:FeedFlushInterval", "00:00:00.100"));

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<HeldWrites.OfFeeds>();
}

public sealed class FeedWriteBehindTests(FeedWriteBehindFixture fixture) : IClassFixture<FeedWriteBehindFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task A_fan_out_keeps_its_queue_message_until_every_feed_has_written_it()
    {
        var author = await TestUsers.Create(Grains);
        var friends = await TestUsers.Create(Grains, 3);
        await TestUsers.Befriend(Grains, author, friends);
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the friendships' own queued work");
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        HeldWrites.Feeds.Hold(friends[0]);
        ActivityView view;
        try
        {
            view = await stream.Post(Feeds.Review());
            // Readers see it everywhere before it is written everywhere ...
            await Feeds.AwaitEverywhere(Grains, friends, view.Id, Patience);
            // ... and the queue keeps the fan-out's message while one feed has not written it.
            Assert.Equal(1, await QueueProbe.Queued(fixture.Database));
        }
        finally
        {
            HeldWrites.Feeds.Release(friends[0]);
        }

        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the fan-out, once every feed wrote the activity");
    }

    [Fact]
    public async Task A_feed_whose_silo_dies_before_it_writes_gets_the_activity_again()
    {
        var author = await TestUsers.Create(Grains);
        var reader = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader]);
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the friendship's own queued work");
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
            Assert.Equal(1, await QueueProbe.Queued(fixture.Database));
        }
        finally
        {
            HeldWrites.Feeds.Release(reader);
        }

        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the fan-out, once the feed wrote the activity");
        Assert.Single(await Feeds.All(Grains, reader), a => a.Id == view.Id);
    }

    [Fact]
    public async Task A_feed_whose_first_write_stored_its_page_and_died_before_its_index_keeps_the_page_and_writes_again()
    {
        var owner = await TestUsers.Create(Grains);
        var earlier = new ActivityView($"review:{Guid.NewGuid():N}", "someone", ActivityKinds.ReviewCreated, "product-1",
            "wrote a review", DateTimeOffset.UtcNow.AddMinutes(-1));
        // What a silo that died between the two writes of a feed's first write leaves: page 0, no index.
        var stored = new StoredDocuments(fixture);
        await stored.Storage(StorageNames.Feeds).WriteStateAsync("feed-page-0", GrainId.Create("activity-feed", owner),
            new GrainState<ActivityPageDocument>(new ActivityPageDocument { Items = [earlier] }));
        Assert.Null(await stored.Bytes("feed-index", owner));

        var feed = Grains.GetGrain<IActivityFeedGrain>(owner);
        var later = new ActivityView($"review:{Guid.NewGuid():N}", "someone", ActivityKinds.ReviewCreated, "product-2",
            "wrote a review", DateTimeOffset.UtcNow);
        var receipt = await feed.Deliver([later]);
        Assert.True(await feed.WhenDurable(receipt), "the feed could not write over the page its first write left");

        await feed.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal([later.Id, earlier.Id], (await Feeds.All(Grains, owner)).Select(a => a.Id));
        Assert.NotNull(await stored.Bytes("feed-index", owner));
    }
}
