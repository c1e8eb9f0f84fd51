using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansScale.Api.Products;
using OrleansScale.Products;
using Orleans.TestingHost;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Products;

/// <summary>The near cache on (it is off by default), renewals every half second, so a lapsed subscription is noticed quickly, and entries that
/// never expire by age, so only the announcements and the subscription keep the caches exact.</summary>
public sealed class ProductNearCacheFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ProductCache:Enabled", "true"),
        new("ProductCache:RenewEvery", "00:00:00.500"),
        new("ProductCache:MaxAge", "01:00:00"),
    ];

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<UnansweredRegistry.Configurator>();
}

/// <summary>Makes the near-cache registry take announcements and never answer them while armed, as a
/// registry whose silo died does until the cluster notices.</summary>
public sealed class UnansweredRegistry : IIncomingGrainCallFilter
{
    static TaskCompletionSource? holding;

    /// <summary>Announcements from now on wait until the returned release is disposed.</summary>
    public static IDisposable Hold()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        holding = hold;
        return new Release(hold);
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (holding is { } hold && context.InterfaceMethod?.Name == nameof(IProductCacheRegistryGrain.ProductChanged))
            await hold.Task;
        await context.Invoke();
    }

    sealed class Release(TaskCompletionSource hold) : IDisposable
    {
        public void Dispose()
        {
            holding = null;
            hold.TrySetResult();
        }
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.AddIncomingGrainCallFilter<UnansweredRegistry>();
    }
}

public sealed class ProductNearCacheTests(ProductNearCacheFixture fixture) : IClassFixture<ProductNearCacheFixture>
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_change_is_acknowledged_although_the_registry_does_not_answer_its_announcement()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Before"))).Id();

        HttpResponseMessage changed;
        using (UnansweredRegistry.Hold())
        {
            // Inside the API's own 5 s grain call timeout, so the answer is the write's, not a 503.
            changed = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After")));
        }

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var stored = await fixture.Cluster.Client.GetGrain<IProductGrain>(id).Get();
        Assert.Equal(2, stored!.Version);
    }

    [Fact]
    public async Task A_repeated_read_is_answered_by_the_api_process_without_a_grain_call()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Cached"))).Id();
        using var reader = fixture.ApiB.Anonymous();
        var cache = NearCache(fixture.ApiB);
        await AwaitCached(fixture.ApiB, reader, id);

        var hits = cache.Hits;
        var misses = cache.Misses;
        for (var i = 0; i < 20; i++)
            Assert.Equal(1, (await Read(reader, id)).GetProperty("version").GetInt64());
        Assert.Equal(hits + 20, cache.Hits);
        Assert.Equal(misses, cache.Misses);
    }

    [Fact]
    public async Task Every_clone_serves_a_change_as_soon_as_it_is_acknowledged()
    {
        using var admin = await fixture.ApiA.Admin();
        var user = await fixture.ApiA.SignUpAndIn();
        using var reviewer = fixture.ApiA.WithToken(user.Token);
        var id = (await admin.CreateProduct(ProductApi.Body("First"))).Id();
        using var readerB = fixture.ApiB.Anonymous();
        await AwaitCached(fixture.ApiB, readerB, id);

        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Second")))).StatusCode);
        var afterReplace = await Read(readerB, id);
        Assert.Equal(2, afterReplace.GetProperty("version").GetInt64());
        Assert.Equal("Second", afterReplace.GetProperty("name").GetString());

        await AwaitCached(fixture.ApiB, readerB, id);
        Assert.Equal(HttpStatusCode.Created,
            (await reviewer.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 4, text = "Good" })).StatusCode);
        var afterReview = await Read(readerB, id);
        Assert.Equal(3, afterReview.GetProperty("version").GetInt64());
        Assert.Equal(1, afterReview.GetProperty("rating").GetProperty("count").GetInt64());

        // A change made through the grain, not through any API process, reaches both caches too.
        await AwaitCached(fixture.ApiA, admin, id);
        await AwaitCached(fixture.ApiB, readerB, id);
        var direct = await fixture.Cluster.Client.GetGrain<IProductGrain>(id).Replace(
            new ProductDetails("Third", "d", "books", [new Price("USD", 1m)], []), expectedVersion: 3);
        Assert.Equal(ProductWriteOutcome.Done, direct.Outcome);
        Assert.Equal("Third", (await Read(admin, id)).GetProperty("name").GetString());
        Assert.Equal("Third", (await Read(readerB, id)).GetProperty("name").GetString());

        // A stale If-None-Match after the change gets the new aggregate, not a 304 from an old copy.
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{id}");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"3\""));
        var fresh = await readerB.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("\"4\"", fresh.Headers.ETag!.Tag);

        await AwaitCached(fixture.ApiB, readerB, id);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/products/{id}")).StatusCode);
        await (await readerB.GetAsync($"/api/products/{id}")).AssertProblem(HttpStatusCode.NotFound);
    }

    internal static ProductNearCache NearCache(ApiFactory api) => api.Services.GetRequiredService<ProductNearCache>();

    internal static async Task<JsonElement> Read(HttpClient http, string id)
    {
        var response = await http.GetAsync($"/api/products/{id}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Reads until a read is a hit, so the next read proves the copy was dropped.</summary>
    internal static Task AwaitCached(ApiFactory api, HttpClient http, string id)
    {
        var cache = NearCache(api);
        return Await.Until(async () =>
        {
            var before = cache.Hits;
            await Read(http, id);
            return cache.Hits - before;
        }, gained => gained > 0, Patience, $"product {id} cached");
    }
}

/// <summary>On a cluster of its own: it kills a silo.</summary>
public sealed class ProductNearCacheFailoverTests(ProductNearCacheFixture fixture) : IClassFixture<ProductNearCacheFixture>
{
    [Fact]
    public async Task A_clone_never_keeps_serving_a_copy_older_than_a_change_made_while_the_registry_restarted()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Before"))).Id();
        using var readerB = fixture.ApiB.Anonymous();
        await ProductNearCacheTests.AwaitCached(fixture.ApiB, readerB, id);

        // Kill the silo of the registry: its successor knows no subscribers, so the next change is
        // announced to nobody. Only the new epoch, seen at the next renewal, can stop the old copy.
        var grains = fixture.Cluster.Client;
        var registryHost = await grains.GetGrain<IManagementGrain>(0)
            .GetActivationAddress(grains.GetGrain<IProductCacheRegistryGrain>(0));
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(registryHost)));
        await Await.Until(() => grains.GetGrain<IProductGrain>(id).Replace(
                new ProductDetails("After", "d", "books", [new Price("USD", 1m)], []), expectedVersion: null),
            write => write.Outcome == ProductWriteOutcome.Done, ProductNearCacheTests.Patience, "the change after the kill");

        // Entries never expire by age here (MaxAge 1 h): only the emptied cache can serve the change.
        await Await.Until(() => ProductNearCacheTests.Read(readerB, id), p => p.GetProperty("name").GetString() == "After",
            TimeSpan.FromSeconds(20), "clone B to drop its copy made under the old registry");
    }
}
