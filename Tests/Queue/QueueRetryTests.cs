using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Cluster;
using OrleansScale.Products;
using OrleansScale.Tests.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Queue;

/// <summary>A shorter timeout budget than <see cref="QueueProbe.ShortTimeouts"/>, so that waiting out two retries
/// takes less of every test run: consumers give up after 2 s (longer than the in-silo retry window, so a
/// delivery that ran into its deadline is never retried inside the silo), grain calls after 7 s, and a failed
/// delivery waits 7 s and then twice that; feeds write after 100 ms unless a test holds them.</summary>
public sealed class QueueRetryFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Concat([
            new("Queue:ConsumerTimeout", "00:00:02"),
            new("Orleans:GrainCallTimeout", "00:00:07"),
            new("Queue:RetryDelay", "00:00:07"),
            new("Activities:FeedFlushInterval", "00:00:00.100"),
        ]);

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<HeldWrites.OfFeeds>();
}

public sealed class QueueRetryTests(QueueRetryFixture fixture) : IClassFixture<QueueRetryFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(7);
    IGrainFactory Grains => fixture.Cluster.Client;

    /// <summary>The one message on the queue: how often it was handed out, whether it waits for a retry, and
    /// how long after its last change it becomes visible again.</summary>
    sealed record Message(long Count, int Dequeued, bool Retrying, double VisibleInSeconds);

    async Task<Message> OnlyMessage()
    {
        var row = await fixture.Database.Scalar<string>("""
            SELECT count(*) OVER () || ';' || dequeued || ';' || retrying || ';' ||
                   extract(epoch FROM visible_on - modified_on)
            FROM orleans_stream_message LIMIT 1
            """) ?? "0;0;false;0";
        var parts = row.Split(';');
        return new Message(long.Parse(parts[0]), int.Parse(parts[1]), bool.Parse(parts[2]),
            double.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_failed_delivery_is_handed_out_again_only_after_its_backoff_and_never_twice_at_once()
    {
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "work queued before");
        // The catalog projection of any product change now fails: its read table is gone.
        await fixture.Database.Scalar<int>("ALTER TABLE catalog_product RENAME TO catalog_product_away");
        string productId;
        try
        {
            productId = Guid.NewGuid().ToString("N");
            await Grains.GetGrain<IProductGrain>(productId).Create(new ProductDetails("Retried", "", "books", [new("USD", 1m)], []));

            var first = await Await.Until(OnlyMessage, m => m.Retrying, Patience, "the first failed delivery");
            Assert.Equal(1, first.Count);
            Assert.Equal(1, first.Dequeued);
            Assert.InRange(first.VisibleInSeconds, RetryDelay.TotalSeconds - 0.5, RetryDelay.TotalSeconds * 1.5 + 0.5);

            // Handed out again after the delay, fails again, and waits twice as long: still one message.
            var second = await Await.Until(OnlyMessage, m => m.Dequeued == 2 && m.Retrying, Patience, "the second failed delivery");
            Assert.Equal(1, second.Count);
            Assert.InRange(second.VisibleInSeconds, 2 * RetryDelay.TotalSeconds - 0.5, 2 * RetryDelay.TotalSeconds * 1.5 + 0.5);
        }
        finally
        {
            await fixture.Database.Scalar<int>("ALTER TABLE catalog_product_away RENAME TO catalog_product");
        }

        // The next delivery succeeds and the message is gone; nothing was dead-lettered.
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the third, successful delivery");
        Assert.Equal(1L, await fixture.Database.Scalar<long>($"SELECT count(*) FROM catalog_product WHERE id = '{productId}'"));
        Assert.Equal(0, await QueueProbe.DeadLetters(fixture.Database));
    }

    [Fact]
    public async Task A_consumer_slower_than_its_deadline_is_not_retried_while_it_runs_and_then_only_after_the_backoff()
    {
        var author = await TestUsers.Create(Grains);
        var reader = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader]);
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the friendship's own queued work");
        var before = await FanOutDeliveries();

        // The fan-out waits for the reader's feed to write, which is held: longer than the consumer's deadline.
        HeldWrites.Feeds.Hold(reader);
        try
        {
            await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review());
            var running = await Await.Until(OnlyMessage, m => m.Dequeued == 1, Patience, "the fan-out's first delivery");
            Assert.False(running.Retrying);
            // The attempt gives up at its deadline and fails back to the queue, which waits out the retry delay.
            var failed = await Await.Until(OnlyMessage, m => m.Retrying, Patience, "the first attempt to give up");
            Assert.Equal(1, failed.Dequeued);
            Assert.InRange(failed.VisibleInSeconds, RetryDelay.TotalSeconds - 0.5, RetryDelay.TotalSeconds * 1.5 + 0.5);
        }
        finally
        {
            HeldWrites.Feeds.Release(reader);
        }

        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the retried fan-out");
        var after = await FanOutDeliveries();
        // Exactly two deliveries: the one that timed out (never retried inside the silo) and the retry.
        Assert.Equal(1, after.TimedOut - before.TimedOut);
        Assert.Equal(1, after.Failed - before.Failed);
        Assert.Equal(1, after.Delivered - before.Delivered);
    }

    async Task<(long Delivered, long Failed, long TimedOut)> FanOutDeliveries()
    {
        var silos = await Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var counters = await Task.WhenAll(silos.Keys.Select(s => Grains.GetGrain<ISiloInfoGrain>(s.ToParsableString()).GetQueueCounters().AsTask()));
        var fanOut = counters.SelectMany(c => c.Namespaces).Where(n => n.Namespace == ActivityQueue.FanOutNamespace)
            .SelectMany(n => n.Consumers).Where(c => c.Consumer == nameof(ActivityFanOutGrain)).ToList();
        return (fanOut.Sum(c => c.Delivered), fanOut.Sum(c => c.Failed), fanOut.Sum(c => c.TimedOut));
    }
}
