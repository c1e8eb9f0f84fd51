using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.TestingHost;
using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Users;

namespace OrleansScale.Tests.Users;

/// <summary>A cluster whose friend limit is 3, so the limit is reachable, and whose silos can be made
/// to fail a friendship call half-way.</summary>
public sealed class FriendsFixture : ClusterFixture
{
    public const int MaxFriends = 3;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Friends:MaxFriends", MaxFriends.ToString()), new("Friends:RepairAfter", "00:00:01")];

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<FriendshipFaults.Configurator>();
}

public sealed class FriendApiTests(FriendsFixture fixture) : IClassFixture<FriendsFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task One_call_makes_the_friendship_mutual()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        var bob = await fixture.ApiA.SignUpAndIn();
        using var asAlice = fixture.ApiA.WithToken(alice.Token);

        var response = await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{bob.UserId}", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var anonymous = fixture.ApiB.Anonymous();
        Assert.Equal([bob.UserId], await FriendIdsOver(anonymous, alice.UserId));
        Assert.Equal([alice.UserId], await FriendIdsOver(anonymous, bob.UserId));
        var friends = await anonymous.GetFromJsonAsync<JsonElement>($"/api/users/{alice.UserId}/friends");
        var bobView = Assert.Single(friends.GetProperty("items").EnumerateArray());
        Assert.Equal(bob.UserName, bobView.GetProperty("userName").GetString());
        Assert.Equal("User " + bob.UserName, bobView.GetProperty("displayName").GetString());
        var profile = await anonymous.GetFromJsonAsync<JsonElement>($"/api/users/{bob.UserId}");
        Assert.Equal(1, profile.GetProperty("friendCount").GetInt32());
        Assert.Equal(bob.UserName, profile.GetProperty("userName").GetString());
        // Repeating the request changes nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{bob.UserId}", null)).StatusCode);
        Assert.Equal([bob.UserId], await FriendIdsOver(anonymous, alice.UserId));
    }

    [Fact]
    public async Task Unfriending_ends_the_friendship_on_both_sides()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        var bob = await TestUsers.Create(Grains);
        using var asAlice = fixture.ApiA.WithToken(alice.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{bob}", null)).StatusCode);

        var response = await asAlice.DeleteAsync($"/api/users/{alice.UserId}/friends/{bob}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var anonymous = fixture.ApiB.Anonymous();
        Assert.Empty(await FriendIdsOver(anonymous, alice.UserId));
        Assert.Empty(await FriendIdsOver(anonymous, bob));
        Assert.Equal(0, (await anonymous.GetFromJsonAsync<JsonElement>($"/api/users/{bob}")).GetProperty("friendCount").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await asAlice.DeleteAsync($"/api/users/{alice.UserId}/friends/{bob}")).StatusCode);
    }

    [Fact]
    public async Task Only_the_sessions_own_user_may_change_its_friends()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        var mallory = await fixture.ApiA.SignUpAndIn();
        var bob = await TestUsers.Create(Grains);
        using var asMallory = fixture.ApiA.WithToken(mallory.Token);
        using var anonymous = fixture.ApiA.Anonymous();

        await (await asMallory.PutAsync($"/api/users/{alice.UserId}/friends/{bob}", null)).AssertProblem(HttpStatusCode.Forbidden);
        await (await asMallory.DeleteAsync($"/api/users/{alice.UserId}/friends/{bob}")).AssertProblem(HttpStatusCode.Forbidden);
        await (await anonymous.PutAsync($"/api/users/{alice.UserId}/friends/{bob}", null)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await anonymous.DeleteAsync($"/api/users/{alice.UserId}/friends/{bob}")).AssertProblem(HttpStatusCode.Unauthorized);

        Assert.Empty(await FriendIdsOver(anonymous, alice.UserId));
        Assert.Empty(await FriendIdsOver(anonymous, bob));
    }

    [Fact]
    public async Task Befriending_yourself_or_an_unknown_user_is_refused()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        using var asAlice = fixture.ApiA.WithToken(alice.Token);

        await (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{alice.UserId}", null)).AssertFieldError("friendId");
        await (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/nobody{Guid.NewGuid():N}", null)).AssertProblem(HttpStatusCode.NotFound);
        await (await asAlice.DeleteAsync($"/api/users/{alice.UserId}/friends/nobody{Guid.NewGuid():N}")).AssertProblem(HttpStatusCode.NotFound);

        Assert.Empty(await FriendIdsOver(asAlice, alice.UserId));
    }

    [Fact]
    public async Task Unknown_users_have_no_profile_friends_or_activities()
    {
        using var anonymous = fixture.ApiA.Anonymous();
        var nobody = "nobody" + Guid.NewGuid().ToString("N");

        await (await anonymous.GetAsync($"/api/users/{nobody}")).AssertProblem(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync($"/api/users/{nobody}/friends")).AssertProblem(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync($"/api/users/{nobody}/activities")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Going_over_the_friend_limit_on_either_side_answers_409()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        using var asAlice = fixture.ApiA.WithToken(alice.Token);
        var others = await TestUsers.Create(Grains, FriendsFixture.MaxFriends + 1);
        foreach (var other in others[..FriendsFixture.MaxFriends])
            Assert.Equal(HttpStatusCode.NoContent, (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{other}", null)).StatusCode);

        var full = await (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{others[^1]}", null)).AssertProblem(HttpStatusCode.Conflict);
        Assert.Contains("maximum number of friends", full.GetProperty("title").GetString());

        var carol = await fixture.ApiA.SignUpAndIn();
        using var asCarol = fixture.ApiA.WithToken(carol.Token);
        var theirs = await (await asCarol.PutAsync($"/api/users/{carol.UserId}/friends/{alice.UserId}", null)).AssertProblem(HttpStatusCode.Conflict);
        Assert.Contains("That user", theirs.GetProperty("title").GetString());
        Assert.Empty(await FriendIdsOver(asCarol, carol.UserId));
        Assert.Equal(FriendsFixture.MaxFriends, (await FriendIdsOver(asCarol, alice.UserId)).Length);
    }

    [Fact]
    public async Task Befriending_posts_friend_added_that_reaches_the_new_friends_feed()
    {
        var alice = await fixture.ApiA.SignUpAndIn();
        var bob = await fixture.ApiA.SignUpAndIn();
        using var asAlice = fixture.ApiA.WithToken(alice.Token);
        using var asBob = fixture.ApiB.WithToken(bob.Token);

        Assert.Equal(HttpStatusCode.NoContent, (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{bob.UserId}", null)).StatusCode);

        var activities = await asBob.GetFromJsonAsync<JsonElement>($"/api/users/{alice.UserId}/activities");
        var added = Assert.Single(activities.GetProperty("items").EnumerateArray());
        Assert.Equal(ActivityKinds.FriendAdded, added.GetProperty("kind").GetString());
        Assert.Equal(alice.UserId, added.GetProperty("userId").GetString());
        Assert.Equal(bob.UserId, added.GetProperty("subjectId").GetString());
        var feed = await Await.Until(() => asBob.GetFromJsonAsync<JsonElement>($"/api/users/{bob.UserId}/feed"),
            f => f.GetProperty("items").GetArrayLength() > 0, Patience, "friend.added in the new friend's feed");
        Assert.Equal(added.GetProperty("id").GetString(), Assert.Single(feed.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Befriending_that_fails_after_the_other_side_accepted_leaves_no_one_sided_friendship()
    {
        var (alice, bob) = (await TestUsers.Create(Grains), await TestUsers.Create(Grains));
        FriendshipFaults.FailNext(bob, nameof(IFriendsGrain.Accept), afterWork: true);

        await Assert.ThrowsAnyAsync<Exception>(() => Grains.GetGrain<IFriendsGrain>(alice).Befriend(bob));

        // Bob's side said yes, Alice's never did; the queued check makes Bob's side agree with Alice's.
        await Await.Until(() => Grains.GetGrain<IFriendsGrain>(bob).FriendIds().AsTask(), ids => ids.Count == 0,
            Patience, "the one-sided friendship to be repaired");
        Assert.Empty(await Grains.GetGrain<IFriendsGrain>(alice).FriendIds());
        // A retry then succeeds on both sides.
        Assert.Equal(FriendshipOutcome.Done, await Grains.GetGrain<IFriendsGrain>(alice).Befriend(bob));
        Assert.Equal([alice], await Grains.GetGrain<IFriendsGrain>(bob).FriendIds());
    }

    [Fact]
    public async Task Unfriending_that_fails_before_the_other_side_released_leaves_no_one_sided_friendship()
    {
        var (alice, bob) = (await TestUsers.Create(Grains), await TestUsers.Create(Grains));
        Assert.Equal(FriendshipOutcome.Done, await Grains.GetGrain<IFriendsGrain>(alice).Befriend(bob));
        FriendshipFaults.FailNext(bob, nameof(IFriendsGrain.Release), afterWork: false);

        await Assert.ThrowsAnyAsync<Exception>(() => Grains.GetGrain<IFriendsGrain>(alice).Unfriend(bob));

        Assert.Empty(await Grains.GetGrain<IFriendsGrain>(alice).FriendIds());
        await Await.Until(() => Grains.GetGrain<IFriendsGrain>(bob).FriendIds().AsTask(), ids => ids.Count == 0,
            Patience, "the one-sided friendship to be repaired");
    }

    static async Task<string[]> FriendIdsOver(HttpClient http, string userId)
    {
        var friends = await http.GetFromJsonAsync<JsonElement>($"/api/users/{userId}/friends");
        return [.. friends.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)];
    }
}
