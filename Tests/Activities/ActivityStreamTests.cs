using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>Default bounds (streams keep 1,000 items); a test may hold or fail a stream's writes
/// (<see cref="HeldWrites.Streams"/>).</summary>
public sealed class ActivityStreamFixture : ClusterFixture
{
    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<HeldWrites.OfStreams>();
}

public sealed class ActivityStreamTests(ActivityStreamFixture fixture) : IClassFixture<ActivityStreamFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Concurrent_posts_are_each_stored_once_in_order_through_a_failed_shared_write()
    {
        var author = await TestUsers.Create(Grains);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var posts = Enumerable.Range(0, 20).Select(_ => Feeds.Review()).ToArray();
        Task<ActivityView> first;
        Task<ActivityView>[] others;
        HeldWrites.Streams.Hold(author);
        try
        {
            first = stream.Post(posts[0]);
            await AwaitCount(stream, 1); // in memory, its write held
            others = posts[1..].Select(stream.Post).ToArray();
            await AwaitCount(stream, posts.Length); // all waiting for the one write after the held one
            Assert.False(first.IsCompleted);
            Assert.DoesNotContain(others, t => t.IsCompleted);
            HeldWrites.Streams.Fail(author, 2); // the held write, and the one the other 19 share
        }
        finally
        {
            HeldWrites.Streams.Release(author);
        }
        foreach (var post in others.Prepend(first))
            await Assert.ThrowsAnyAsync<Exception>(() => post);

        // The callers retry; nothing was acknowledged, so each post now waits for a write that succeeds.
        var views = await Task.WhenAll(posts.Select(stream.Post));
        Assert.Equal(posts.Select(p => p.Id), views.Select(v => v.Id));
        Assert.All(views[1..], v => Assert.True(v.CreatedAt > views[0].CreatedAt));
        Assert.Equal(views.Length, views.Select(v => v.CreatedAt).Distinct().Count());
        Assert.Equal(views[7], await stream.Post(posts[7]));
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "every post's fan-out (each was queued)");
        var expected = views.OrderByDescending(v => v.CreatedAt).ToList();
        Assert.Equal(expected, await All(stream));

        await Reactivate(stream);
        Assert.Equal(expected, await All(stream));
        // Its outbox was stored emptied when it deactivated: the new activation queues nothing again.
        Assert.Equal(0, await QueueProbe.Queued(fixture.Database));
    }

    [Fact]
    public async Task A_stream_of_1150_posts_keeps_the_newest_1000_in_its_pages_after_reactivation()
    {
        var author = await TestUsers.Create(Grains);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var views = new List<ActivityView>();
        foreach (var batch in Enumerable.Range(0, 1_150).Select(_ => Feeds.Review()).Chunk(50))
            views.AddRange(await Task.WhenAll(batch.Select(stream.Post)));
        var newest = views.OrderByDescending(v => v.CreatedAt).Take(1_000).ToList();
        Assert.Equal(newest, await All(stream));

        await Reactivate(stream);
        var stored = await All(stream);
        Assert.Equal(newest, stored);
        Assert.True(stored.Zip(stored.Skip(1)).All(pair => pair.First.CreatedAt > pair.Second.CreatedAt));
    }

    [Theory]
    [InlineData(StorageNames.Main, "activity-stream")]   // one JSON document
    [InlineData(StorageNames.Streams, "stream-head")]   // a head and a tail: the head holds the unconfirmed ids
    public async Task A_stream_stored_in_an_earlier_format_is_carried_over_and_its_unconfirmed_fan_out_delivered(string storageName, string stateName)
    {
        var author = await TestUsers.Create(Grains);
        var reader = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader]);
        var old = Enumerable.Range(0, 30).Select(i => new ActivityView($"old:{Guid.NewGuid():N}", author,
            ActivityKinds.ReviewCreated, "product-1", "wrote a review", DateTimeOffset.UtcNow.AddMinutes(i - 60))).ToList();
        var storage = fixture.Cluster.Silos.OfType<InProcessSiloHandle>().First().SiloHost.Services
            .GetRequiredKeyedService<IGrainStorage>(storageName);
        await storage.WriteStateAsync(stateName, GrainId.Create("activity-stream", author),
            new GrainState<ActivityStreamState>(new ActivityStreamState { Items = old, Unconfirmed = [old[^1].Id] }));

        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var posted = await stream.Post(Feeds.Review());
        var expected = old.Append(posted).Reverse().ToList();
        Assert.Equal(expected, await All(stream));
        // The old format's unconfirmed activity is queued again and reaches the friend's feed.
        await Feeds.AwaitEverywhere(Grains, [reader], old[^1].Id, Patience);

        await Reactivate(stream);
        Assert.Equal(expected, await All(stream));
        var leftOver = new GrainState<ActivityStreamState>(new ActivityStreamState());
        await storage.ReadStateAsync(stateName, GrainId.Create("activity-stream", author), leftOver);
        Assert.False(leftOver.RecordExists, "the old document should be deleted once carried over");
    }

    [Fact]
    public async Task A_stream_whose_first_write_stored_its_page_and_died_before_its_index_keeps_the_page_and_takes_posts()
    {
        var author = await TestUsers.Create(Grains);
        var earlier = new ActivityView($"review:{Guid.NewGuid():N}", author, ActivityKinds.ReviewCreated, "product-1",
            "wrote a review", DateTimeOffset.UtcNow.AddMinutes(-1));
        // What a silo that died between the two writes of a stream's first post leaves: page 0 naming the post
        // as not yet queued, and no index.
        var storage = fixture.Cluster.Silos.OfType<InProcessSiloHandle>().First().SiloHost.Services
            .GetRequiredKeyedService<IGrainStorage>(StorageNames.Streams);
        await storage.WriteStateAsync("stream-page-0", GrainId.Create("activity-stream", author),
            new GrainState<ActivityPageDocument>(new ActivityPageDocument { Items = [earlier], Unpublished = [earlier.Id] }));

        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var posted = await stream.Post(Feeds.Review());
        Assert.Equal([posted, earlier], await All(stream));
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the fan-outs of both posts");

        await Reactivate(stream);
        Assert.Equal([posted, earlier], await All(stream));
        var index = new GrainState<ActivityPageIndex>(new ActivityPageIndex());
        await storage.ReadStateAsync("stream-index", GrainId.Create("activity-stream", author), index);
        Assert.True(index.RecordExists, "the stream's next write should have stored its index");
    }

    static async Task<List<ActivityView>> All(IActivityStreamGrain stream)
    {
        var items = new List<ActivityView>();
        string? before = null;
        do
        {
            var page = await stream.Page(100, before);
            items.AddRange(page.Items);
            before = page.Next;
        } while (before is not null);
        return items;
    }

    static Task AwaitCount(IActivityStreamGrain stream, int count) =>
        Await.Until(async () => (await stream.Page(100, null)).Items.Count, n => n == count, Patience,
            $"{count} posts in the stream's memory");

    /// <summary>Deactivates the stream's grain; the next call reads it from storage.</summary>
    static async Task Reactivate(IActivityStreamGrain stream) =>
        await stream.Cast<IGrainManagementExtension>().DeactivateOnIdle();
}
