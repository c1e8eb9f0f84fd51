using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;
using OrleansScale.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>Streams and feeds keep 50 items here, so the bound is reachable in a test.</summary>
public sealed class ActivitiesFixture : ClusterFixture
{
    public const int Keep = 50;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Activities:Keep", Keep.ToString())];
}

public sealed class ActivityApiTests(ActivitiesFixture fixture) : IClassFixture<ActivitiesFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Feed_is_newest_first_and_pages_through_an_opaque_cursor()
    {
        var reader = await fixture.ApiA.SignUpAndIn();
        var authors = await TestUsers.Create(Grains, 3);
        await TestUsers.Befriend(Grains, reader.UserId, authors);
        var posted = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
            var view = await Grains.GetGrain<IActivityStreamGrain>(authors[i % 3]).Post(Feeds.Review());
            posted.Add(view.Id);
        }
        using var http = fixture.ApiB.WithToken(reader.Token);
        // Each author's friend.added is in the feed too; wait for the last review.
        await Await.Until(() => Feeds.Has(Grains, reader.UserId, posted[^1]), has => has, Patience, "the last review in the feed");
        await Await.Until(async () => (await Feeds.All(Grains, reader.UserId)).Count, n => n == 10, Patience, "all ten items");

        var seen = new List<JsonElement>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>(
                $"/api/users/{reader.UserId}/feed?limit=3" + (next is null ? "" : "&before=" + Uri.EscapeDataString(next)));
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            next = page.GetProperty("next").GetString();
            pages++;
        } while (next is not null);

        Assert.Equal(4, pages); // 3 + 3 + 3 + 1
        Assert.Equal(10, seen.Count);
        Assert.Equal(10, seen.Select(a => a.GetProperty("id").GetString()).Distinct().Count());
        var times = seen.Select(a => a.GetProperty("createdAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(Enumerable.Reverse(posted), seen.Take(7).Select(a => a.GetProperty("id").GetString()));
        Assert.All(seen.Take(7), a => Assert.Equal(ActivityKinds.ReviewCreated, a.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Activities_are_public_newest_first_with_the_default_limit_of_20()
    {
        var author = await TestUsers.Create(Grains);
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
            ids.Add((await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review())).Id);
        using var anonymous = fixture.ApiA.Anonymous();

        var first = await anonymous.GetFromJsonAsync<JsonElement>($"/api/users/{author}/activities");
        var second = await anonymous.GetFromJsonAsync<JsonElement>(
            $"/api/users/{author}/activities?limit=100&before={Uri.EscapeDataString(first.GetProperty("next").GetString()!)}");

        var items = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(20, first.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(Enumerable.Reverse(ids), items.Select(a => a.GetProperty("id").GetString()));
        var one = items[0];
        foreach (var field in new[] { "id", "userId", "kind", "subjectId", "summary", "createdAt" })
            Assert.True(one.TryGetProperty(field, out _), $"activity has no '{field}'");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("before=not-a-cursor", "before")]
    public async Task Bad_paging_is_a_validation_problem(string query, string field)
    {
        var reader = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(reader.Token);

        await (await http.GetAsync($"/api/users/{reader.UserId}/activities?{query}")).AssertFieldError(field);
        await (await http.GetAsync($"/api/users/{reader.UserId}/feed?{query}")).AssertFieldError(field);
    }

    [Fact]
    public async Task Only_the_sessions_own_user_reads_its_feed()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        var mallory = await fixture.ApiA.SignUpAndIn();

        await (await fixture.ApiA.WithToken(mallory.Token).GetAsync($"/api/users/{alice.UserId}/feed")).AssertProblem(HttpStatusCode.Forbidden);
        await (await fixture.ApiA.Anonymous().GetAsync($"/api/users/{alice.UserId}/feed")).AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await fixture.ApiB.WithToken(alice.Token).GetAsync($"/api/users/{alice.UserId}/feed")).StatusCode);
    }

    [Fact]
    public async Task Duplicate_delivery_leaves_one_item()
    {
        var author = await TestUsers.Create(Grains);
        var friends = await TestUsers.Create(Grains, 3);
        await TestUsers.Befriend(Grains, author, friends);
        var activity = Feeds.Review();
        var view = await Grains.GetGrain<IActivityStreamGrain>(author).Post(activity);
        await Feeds.AwaitEverywhere(Grains, friends, view.Id, Patience);

        // What the queue does when it delivers again (after a failover, or a lost confirmation) ...
        await Grains.GetGrain<IActivityFanOutGrain>(author).FanOut(view);
        await Grains.GetGrain<IActivityFanOutGrain>(author).FanOut(view);
        await Grains.GetGrain<IActivityFeedGrain>(friends[0]).Deliver([view, view]);
        // ... and a retried post with the same id.
        Assert.Equal(view, await Grains.GetGrain<IActivityStreamGrain>(author).Post(activity));

        foreach (var friend in friends)
            Assert.Single(await Feeds.All(Grains, friend), a => a.Id == view.Id);
        Assert.Single((await Grains.GetGrain<IActivityStreamGrain>(author).Page(100, null)).Items, a => a.Id == view.Id);
    }

    [Fact]
    public async Task After_unfriending_new_activities_of_the_former_friend_no_longer_reach_the_feed()
    {
        var reader = await TestUsers.Create(Grains);
        var author = await TestUsers.Create(Grains);
        var witness = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader, witness]);
        var before = await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review());
        await Feeds.AwaitEverywhere(Grains, [reader, witness], before.Id, Patience);

        Assert.Equal(FriendshipOutcome.Done, await Grains.GetGrain<IFriendsGrain>(reader).Unfriend(author));
        var after = await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review());

        // Once the fan-out has reached the remaining friend, it has decided about the former one too.
        await Feeds.AwaitEverywhere(Grains, [witness], after.Id, Patience);
        Assert.False(await Feeds.Has(Grains, reader, after.Id));
    }

    [Fact]
    public async Task Streams_and_feeds_keep_only_the_newest_items()
    {
        var author = await TestUsers.Create(Grains);
        var reader = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader]);
        var ids = new List<string>();
        for (var i = 0; i < ActivitiesFixture.Keep + 10; i++)
            ids.Add((await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review())).Id);
        await Feeds.AwaitEverywhere(Grains, [reader], ids[^1], Patience);
        await Await.Until(async () => (await Feeds.All(Grains, reader)).Select(a => a.Id).ToHashSet(),
            held => ids.TakeLast(ActivitiesFixture.Keep).All(held.Contains), Patience, "the newest items in the feed");

        var stream = (await Grains.GetGrain<IActivityStreamGrain>(author).Page(100, null)).Items;
        var feed = await Feeds.All(Grains, reader);

        Assert.Equal(ids.TakeLast(ActivitiesFixture.Keep).Reverse(), stream.Select(a => a.Id));
        Assert.Equal(ActivitiesFixture.Keep, feed.Count);
        Assert.Equal(ids.TakeLast(ActivitiesFixture.Keep).Reverse(), feed.Select(a => a.Id));
    }

    [Fact]
    public async Task Fan_out_reaches_every_friend_of_a_user_with_1000_friends()
    {
        var author = await TestUsers.Create(Grains);
        var friends = await TestUsers.Create(Grains, 1000);
        await TestUsers.Befriend(Grains, author, friends);
        Assert.Equal(1000, (await Grains.GetGrain<IFriendsGrain>(author).FriendIds()).Count);

        var view = await Grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review());

        await Feeds.AwaitEverywhere(Grains, friends, view.Id, Patience);
    }
}
