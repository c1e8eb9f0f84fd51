using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>Feeds write 100 ms after a change, except the ones a test holds; streams re-queue unconfirmed
/// fan-outs after 2 s on a 1 s reminder. The queue's visibility timeout is far longer than any wait here,
/// so a message the queue already handed out can come back only through the author's stream.</summary>
public sealed class FanOutRecoveryFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Activities:FeedFlushInterval", "00:00:00.100"),
        new("Activities:RequeueAfter", "00:00:02"),
        new("Reminders:MinimumReminderPeriod", "00:00:01"),
        new("Queue:VisibilityTimeout", "00:10:00"),
    ];

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<HeldWrites.OfFeeds>();
}

public sealed class FanOutRecoveryTests(FanOutRecoveryFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<FanOutRecoveryFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Activities_whose_fan_out_silo_dies_before_the_feeds_wrote_them_reach_every_feed_through_the_authors_stream()
    {
        var author = await TestUsers.Create(Grains);
        var readers = await TestUsers.Create(Grains, 6);
        await TestUsers.Befriend(Grains, author, readers);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var management = Grains.GetGrain<IManagementGrain>(0);
        foreach (var reader in readers)
            HeldWrites.Feeds.Hold(reader);

        // Post until one activity's fan-out ran on the silo that holds the author's stream, so the silo to
        // kill takes the deliverer, the stream and its re-queue with it (each post's lane is placed anew).
        var posted = new List<string>();
        SiloAddress? victim = null;
        try
        {
            for (var attempt = 0; attempt < 10 && victim is null; attempt++)
            {
                var view = await stream.Post(Feeds.Review());
                posted.Add(view.Id);
                // Every feed shows it, so the fan-out has returned to the queue; no feed has written it.
                await Feeds.AwaitEverywhere(Grains, readers, view.Id, Patience);
                var fanOut = Grains.GetGrain<IActivityFanOutGrain>(ActivityQueue.FanOutKey(author, view.Id, new ActivityOptions().FanOutLanes));
                var fanOutSilo = await management.GetActivationAddress(fanOut);
                if (fanOutSilo is not null && fanOutSilo.Equals(await management.GetActivationAddress(stream)))
                    victim = fanOutSilo;
            }
            victim ??= await management.GetActivationAddress(stream); // rare: the stream's re-queue still runs
            var feedsOnVictim = 0;
            foreach (var reader in readers)
            {
                if (victim!.Equals(await management.GetActivationAddress(Grains.GetGrain<IActivityFeedGrain>(reader))))
                    feedsOnVictim++;
            }
            output.WriteLine($"posts {posted.Count}, victim {victim}, stream {await management.GetActivationAddress(stream)}, feeds on victim {feedsOnVictim}, silos {string.Join(",", fixture.Cluster.Silos.Select(x => x.SiloAddress))}");
            Assert.True(feedsOnVictim > 0, "no reader's feed was on the silo to kill; the test proves nothing");
            // The queue confirms a delivered message only when its cache purges it, which may take long on a
            // quiet queue, and an in-process silo hands its unconfirmed messages back when it stops: remove
            // them, as a queue that has confirmed them would have, so the queue cannot bring them back.
            await fixture.Database.Scalar<long>(
                "WITH gone AS (DELETE FROM orleans_stream_message RETURNING 1) SELECT count(*) FROM gone");
            await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(victim)));
        }
        finally
        {
            foreach (var reader in readers)
                HeldWrites.Feeds.Release(reader);
        }

        // The feeds on the killed silo lost every posted activity, and the queue will not hand any of them
        // out again within the test: only the stream's reminder can bring them back. Read the feeds first,
        // without touching the stream (activating it would queue its unconfirmed ids again by itself).
        foreach (var id in posted)
            await Feeds.AwaitEverywhere(Grains, readers, id, Patience);
        foreach (var id in posted)
            await Await.Until(() => stream.IsFannedOut(id).AsTask(), done => done, Patience, $"the confirmation of {id}");
        foreach (var reader in readers)
        {
            var feed = await Feeds.All(Grains, reader);
            foreach (var id in posted)
                Assert.Single(feed, a => a.Id == id);
        }
        await fixture.Cluster.StartAdditionalSiloAsync();
    }
}
