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

/// <summary>Renewals every 200 ms, and entries that never expire by age, so only the announcements and the
/// leases keep the caches exact; with faults the tests arm one at a time.</summary>
public sealed class ProductNearCacheFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ProductCache:RenewEvery", "00:00:00.200"),
        new("ProductCache:MaxAge", "01:00:00"),
    ];

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<NearCacheFaults.Configurator>();

    protected override void ConfigureApi(IServiceCollection services) =>
        services.AddSingleton<IOutgoingGrainCallFilter, NearCacheFaults>();
}

/// <summary>Faults of the near-cache announcements, armed by a test and disarmed when it disposes the handle:
/// a registry that takes announcements and never answers them (as one whose silo died does until the cluster
/// notices), and API processes that take longer than the registry waits to take one (as a process cut off
/// from the cluster does, while its lease still runs); and, in the API processes, the answer to a read of one
/// product held on its way back, as a slow network holds it.</summary>
public sealed class NearCacheFaults : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
{
    static TaskCompletionSource? registryHeld;
    static TaskCompletionSource? deliveriesHeld;
    static int announcementsHeld;

    /// <summary>How many announcements a registry has held since the cluster started.</summary>
    public static int AnnouncementsHeld => Volatile.Read(ref announcementsHeld);

    public static IDisposable HoldAnnouncements() => Arm(ref registryHeld);
    public static IDisposable HoldDeliveries() => Arm(ref deliveriesHeld);

    static HeldAnswer? answerHeld;

    /// <summary>Holds the product grain's answer to the next reads of <paramref name="productId"/> by an API
    /// process once it has arrived, until the handle is disposed.</summary>
    public static HeldAnswer HoldReadAnswer(string productId) => answerHeld = new HeldAnswer(productId);

    public sealed class HeldAnswer(string productId) : IDisposable
    {
        readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string ProductId => productId;

        /// <summary>Completes when an answer is being held.</summary>
        public Task Arrived => arrived.Task;

        internal async Task Hold()
        {
            arrived.TrySetResult();
            await release.Task;
        }

        public void Dispose()
        {
            if (answerHeld == this)
                answerHeld = null;
            release.TrySetResult();
        }
    }

    static IDisposable Arm(ref TaskCompletionSource? slot)
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slot = hold;
        return new Release(hold);
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (registryHeld is { } hold && context.InterfaceMethod?.Name == nameof(IProductCacheRegistryGrain.ProductChanging)
            && context.InterfaceMethod.DeclaringType == typeof(IProductCacheRegistryGrain))
        {
            Interlocked.Increment(ref announcementsHeld);
            await hold.Task;
        }
        await context.Invoke();
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (deliveriesHeld is { } hold && context.InterfaceMethod?.DeclaringType == typeof(IProductCacheObserver))
            await hold.Task;
        await context.Invoke();
        if (answerHeld is { } answer && context.InterfaceMethod?.Name == nameof(IProductGrain.Get)
            && context.InterfaceMethod.DeclaringType == typeof(IProductGrain) && context.TargetId.Key.ToString() == answer.ProductId)
            await answer.Hold();
    }

    sealed class Release(TaskCompletionSource hold) : IDisposable
    {
        public void Dispose()
        {
            if (registryHeld == hold)
                registryHeld = null;
            if (deliveriesHeld == hold)
                deliveriesHeld = null;
            hold.TrySetResult();
        }
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddIncomingGrainCallFilter<NearCacheFaults>();
            silo.AddOutgoingGrainCallFilter<NearCacheFaults>();
        }
    }
}

public sealed class ProductNearCacheTests(ProductNearCacheFixture fixture) : IClassFixture<ProductNearCacheFixture>
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_change_the_registry_does_not_confirm_is_refused_and_changes_nothing()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Before"))).Id();

        HttpResponseMessage refused;
        using (NearCacheFaults.HoldAnnouncements())
            refused = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After")));

        await refused.AssertProblem(HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(1, (await fixture.Cluster.Client.GetGrain<IProductGrain>(id).Get())!.Version);
        Assert.Equal("Before", (await Read(admin, id)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After")))).StatusCode);
        Assert.Equal("After", (await Read(admin, id)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_create_the_registry_does_not_confirm_is_sent_again_once_and_then_succeeds()
    {
        using var admin = await fixture.ApiA.Admin();
        Task<HttpResponseMessage> create;
        using (NearCacheFaults.HoldAnnouncements())
        {
            var heldBefore = NearCacheFaults.AnnouncementsHeld;
            create = admin.PostAsJsonAsync("/api/products", ProductApi.Body("Retried"));
            // The first attempt is refused unchanged after the grain's wait; the second announces again.
            await Await.Until(() => Task.FromResult(NearCacheFaults.AnnouncementsHeld), held => held >= heldBefore + 2,
                Patience, "the create's second announcement");
        }

        var created = await create;
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        var product = await Read(admin, JsonDocument.Parse(body).RootElement.Id());
        Assert.Equal(1, product.GetProperty("version").GetInt64());
        Assert.Equal("Retried", product.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_clone_that_does_not_take_an_announcement_serves_the_change_once_it_is_acknowledged()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Before"))).Id();
        using var readerB = fixture.ApiB.Anonymous();
        await AwaitCached(fixture.ApiB, readerB, id);

        // Both clones keep renewing their leases but take no announcement: the registry drops them, and
        // may acknowledge the change only once neither can serve its copy any more.
        HttpResponseMessage changed;
        using (NearCacheFaults.HoldDeliveries())
        {
            changed = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After")));
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Equal("After", (await Read(readerB, id)).GetProperty("name").GetString());
            Assert.Equal("After", (await Read(admin, id)).GetProperty("name").GetString());
        }
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
    public async Task An_idle_clone_stops_renewing_and_its_first_read_after_a_change_serves_the_change()
    {
        await using var idleApi = fixture.NewApi(("ProductCache:PauseWhenIdleFor", "00:00:01"));
        var cache = NearCache(idleApi);
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Before"))).Id();
        using var reader = idleApi.Anonymous();
        await AwaitCached(idleApi, reader, id);

        // No product read for a second: the renewals stop and the copies go.
        await Await.Until(() => Task.FromResult(cache.Paused), paused => paused, Patience, "the renewals paused");
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After")))).StatusCode);
        var misses = cache.Misses;
        Assert.Equal("After", (await Read(reader, id)).GetProperty("name").GetString());
        Assert.Equal(misses + 1, cache.Misses);

        // That read woke the renewals: the product is served from the copy again.
        await AwaitCached(idleApi, reader, id);
        Assert.False(cache.Paused);
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

    [Fact]
    public async Task A_read_whose_answer_is_overtaken_by_an_announcement_of_its_product_is_not_kept()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Before"))).Id();
        using var reader = fixture.ApiB.Anonymous();
        await AwaitCached(fixture.ApiB, reader, id); // the lease is live, so a fetched answer would be kept

        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Middle")))).StatusCode);
        Task<JsonElement> slowRead;
        using (var held = NearCacheFaults.HoldReadAnswer(id))
        {
            // The grain answers version 2; the answer waits while version 3 is announced and acknowledged.
            slowRead = Read(reader, id);
            await held.Arrived.WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After")))).StatusCode);
        }

        Assert.Equal(2, (await slowRead).GetProperty("version").GetInt64()); // sent before the change was acknowledged
        Assert.Equal("After", (await Read(reader, id)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_read_whose_answer_waits_while_other_products_change_is_kept()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Read"))).Id();
        var other = (await admin.CreateProduct(ProductApi.Body("Changed"))).Id();
        using var reader = fixture.ApiB.Anonymous();
        var cache = NearCache(fixture.ApiB);
        await AwaitCached(fixture.ApiB, reader, other); // the lease is live, and the other product is held here

        Task<JsonElement> slowRead;
        using (var held = NearCacheFaults.HoldReadAnswer(id))
        {
            slowRead = Read(reader, id);
            await held.Arrived.WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(other, ProductApi.Body("Again")))).StatusCode);
        }
        Assert.Equal(1, (await slowRead).GetProperty("version").GetInt64());

        var hits = cache.Hits;
        Assert.Equal("Read", (await Read(reader, id)).GetProperty("name").GetString());
        Assert.Equal(hits + 1, cache.Hits);
        Assert.Equal("Again", (await Read(reader, other)).GetProperty("name").GetString());
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

        // Kill the silo of the product's registry partition: its successor knows no subscribers, so the next
        // change is announced to nobody, while clone B may still hold a lease from the dead one.
        var grains = fixture.Cluster.Client;
        var partition = ProductCachePartition.Of(id, new ProductCacheRegistryOptions().RegistryPartitions);
        var registryHost = await grains.GetGrain<IManagementGrain>(0)
            .GetActivationAddress(grains.GetGrain<IProductCacheRegistryGrain>(partition));
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(registryHost)));
        // Through the API, as a user changes it: a call that went to the killed silo just before the cluster
        // noticed gets no answer, and the API gives it up after its grain call timeout (503) where a client
        // of the cluster would wait its full 30 s; the change is then sent again until it is acknowledged.
        await Await.Until(() => admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After"))),
            changed => changed.StatusCode == HttpStatusCode.OK, ProductNearCacheTests.Patience, "the change after the kill");

        // Entries never expire by age here (MaxAge 1 h): the first read after the acknowledgement, not a
        // later one, must serve the change.
        Assert.Equal("After", (await ProductNearCacheTests.Read(readerB, id)).GetProperty("name").GetString());
    }
}
