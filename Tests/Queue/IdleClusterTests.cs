using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Cluster;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Queue;

public sealed class IdleClusterFixture : ClusterFixture;

public sealed class IdleClusterTests(IdleClusterFixture fixture) : IClassFixture<IdleClusterFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>How long the test watches an idle cluster for work it queues by itself.</summary>
    static readonly TimeSpan Watch = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_cluster_left_alone_after_every_kind_of_write_queues_nothing_even_when_its_grains_reactivate()
    {
        // Every feature that queues work: products and reviews, friendships and their activities, articles, exports.
        using var admin = await fixture.ApiA.Admin();
        var product = (await admin.CreateProduct(ProductApi.Body("Idle test"))).Id();
        var alice = await fixture.ApiA.SignUpAndIn();
        var bob = await fixture.ApiA.SignUpAndIn();
        using var asAlice = fixture.ApiA.WithToken(alice.Token);
        (await asAlice.PutAsync($"/api/users/{alice.UserId}/friends/{bob.UserId}", null)).EnsureSuccessStatusCode();
        (await asAlice.PostAsJsonAsync($"/api/products/{product}/reviews", new { rating = 5, text = "Good" })).EnsureSuccessStatusCode();
        (await asAlice.PutAsJsonAsync("/api/articles/idle-test", new { title = "Idle", markdown = "# Idle" })).EnsureSuccessStatusCode();
        (await asAlice.PostAsync($"/api/users/{alice.UserId}/exports", null)).EnsureSuccessStatusCode();
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "everything the writes queued");
        var before = await Published();

        // Every grain deactivates (writing what it must) and comes back on the next read.
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        using var anonymous = fixture.ApiB.Anonymous();
        (await anonymous.GetAsync($"/api/products/{product}")).EnsureSuccessStatusCode();
        (await anonymous.GetAsync($"/api/users/{alice.UserId}/activities")).EnsureSuccessStatusCode();
        (await fixture.ApiB.WithToken(bob.Token).GetAsync($"/api/users/{bob.UserId}/feed")).EnsureSuccessStatusCode();
        (await anonymous.GetAsync("/articles/idle-test")).EnsureSuccessStatusCode();

        // Nothing is published again and nothing waits on the queue, for as long as the test watches.
        var watchUntil = DateTime.UtcNow + Watch;
        while (DateTime.UtcNow < watchUntil)
        {
            Assert.Equal(0, await QueueProbe.Queued(fixture.Database));
            await Task.Delay(250);
        }
        Assert.Equal(before, await Published());
        Assert.Equal(0, await QueueProbe.DeadLetters(fixture.Database));
    }

    [Fact]
    public async Task The_queue_reports_what_each_namespace_produced_published_and_delivered()
    {
        using var admin = await fixture.ApiA.Admin();
        await admin.CreateProduct(ProductApi.Body("Counted"));
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the product's change");

        using var http = fixture.ApiA.Anonymous();
        var queue = (await http.GetFromJsonAsync<JsonElement>("/api/cluster")).GetProperty("queue");
        Assert.Equal(0, queue.GetProperty("depth").GetInt64());
        Assert.False(queue.GetProperty("backpressure").GetProperty("active").GetBoolean());
        var changes = queue.GetProperty("namespaces").EnumerateArray().Single(n => n.GetProperty("namespace").GetString() == "product-changes");
        Assert.True(changes.GetProperty("produced").GetInt64() >= 1);
        Assert.Equal(1.0, changes.GetProperty("amplification").GetDouble());
        var consumers = changes.GetProperty("consumers").EnumerateArray().ToDictionary(c => c.GetProperty("consumer").GetString()!);
        Assert.True(consumers["CatalogProjectionGrain"].GetProperty("delivered").GetInt64() >= 1);
        Assert.True(consumers["ReviewFollowUpGrain"].GetProperty("delivered").GetInt64() >= 1);

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Matches(@"orleansscale_queue_published(_messages)?_total\{[^}]*namespace=""product-changes""", metrics);
        Assert.Matches(@"orleansscale_queue_delivered(_deliveries)?_total\{[^}]*consumer=""CatalogProjectionGrain""", metrics);
        Assert.Contains("orleansscale_queue_amplification", metrics);
    }

    async Task<long> Published()
    {
        var grains = fixture.Cluster.Client;
        var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var counters = await Task.WhenAll(silos.Keys.Select(s => grains.GetGrain<ISiloInfoGrain>(s.ToParsableString()).GetQueueCounters().AsTask()));
        return counters.SelectMany(c => c.Namespaces).Sum(n => n.Published);
    }
}
