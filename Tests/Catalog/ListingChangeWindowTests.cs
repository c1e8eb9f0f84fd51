using System.Collections.Concurrent;
using Orleans.TestingHost;
using OrleansScale.Catalog;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Catalog;

public sealed class ListingChangeWindowFixture : ClusterFixture
{
    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<HeldListingChanges.Configurator>();
}

/// <summary>Holds the projection's word to one category's listing registry that a change was written, so a test
/// can read the listing after the change committed and before the registry hears of it.</summary>
public sealed class HeldListingChanges : IOutgoingGrainCallFilter
{
    static readonly ConcurrentDictionary<string, Hold> holds = new(StringComparer.Ordinal);

    sealed class Hold
    {
        public readonly TaskCompletionSource Released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Arrived;
        public int Delivered;
    }

    /// <summary>Holds the calls to the category's registry until the handle is disposed.</summary>
    public static IDisposable Category(string category)
    {
        var hold = holds[category] = new Hold();
        return new Release(hold);
    }

    /// <summary>How many calls for the category arrived at the hold, and how many of them the registry has answered.</summary>
    public static (int Arrived, int Delivered) Seen(string category) =>
        holds.TryGetValue(category, out var hold) ? (Volatile.Read(ref hold.Arrived), Volatile.Read(ref hold.Delivered)) : (0, 0);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType != typeof(IListingRegistryGrain)
            || context.InterfaceMethod.Name is not (nameof(IListingRegistryGrain.Changed) or nameof(IListingRegistryGrain.Invalidate))
            || !holds.TryGetValue(context.TargetId.Key.ToString()!, out var hold))
        {
            await context.Invoke();
            return;
        }
        Interlocked.Increment(ref hold.Arrived);
        await hold.Released.Task;
        await context.Invoke();
        Interlocked.Increment(ref hold.Delivered);
    }

    sealed class Release(Hold hold) : IDisposable
    {
        public void Dispose() => hold.Released.TrySetResult(); // counts stay readable until the next hold
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.AddOutgoingGrainCallFilter<HeldListingChanges>();
    }
}

/// <summary>The window between a change's commit and the moment its listings hear of it: a listing read in it
/// already shows the change and must stay cached, and a listing cached before the change is dropped once.</summary>
public sealed class ListingChangeWindowTests(ListingChangeWindowFixture fixture) : IClassFixture<ListingChangeWindowFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_listing_read_after_a_change_committed_but_before_its_registry_heard_of_it_stays_cached()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("window");
        var first = (await admin.CreateProduct(ProductApi.Body("First", category))).Id();
        await fixture.Database.AwaitRow(first, 1);
        using var http = fixture.ApiB.Anonymous();

        string second;
        using (HeldListingChanges.Category(category))
        {
            second = (await admin.CreateProduct(ProductApi.Body("Second", category))).Id();
            // The projection has written the row and waits to tell the category's registry.
            await Await.Until(() => Task.FromResult(HeldListingChanges.Seen(category).Arrived), n => n >= 1, Patience,
                "the projection's word to the registry");
            var inTheWindow = await http.List($"category={category}");
            Assert.Equal("miss", inTheWindow.Cache);
            Assert.Equivalent(new[] { first, second }, inTheWindow.Ids, strict: true); // created at the same instant of the test clock: any order
        }
        await Await.Until(() => Task.FromResult(HeldListingChanges.Seen(category).Delivered), n => n >= 1, Patience,
            "the registry told of the change");

        var after = await http.List($"category={category}");
        Assert.Equal("hit", after.Cache);
        Assert.Equivalent(new[] { first, second }, after.Ids, strict: true);
    }

    [Fact]
    public async Task A_listing_cached_before_a_change_is_dropped_once_and_its_next_result_stays_cached()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("once");
        var first = (await admin.CreateProduct(ProductApi.Body("First", category))).Id();
        await fixture.Database.AwaitRow(first, 1);
        using var http = fixture.ApiB.Anonymous();
        Assert.Equal("miss", (await http.List($"category={category}")).Cache);
        Assert.Equal("hit", (await http.List($"category={category}")).Cache);

        string second;
        using (HeldListingChanges.Category(category))
        {
            second = (await admin.CreateProduct(ProductApi.Body("Second", category))).Id();
            await Await.Until(() => Task.FromResult(HeldListingChanges.Seen(category).Arrived), n => n >= 1, Patience,
                "the projection's word to the registry");
            // Not yet told: the cached result, read before the change, is still served.
            var stale = await http.List($"category={category}");
            Assert.Equal("hit", stale.Cache);
            Assert.Equal([first], stale.Ids);
        }

        var fresh = await http.AwaitMiss($"category={category}");
        Assert.Equivalent(new[] { first, second }, fresh.Ids, strict: true);
        var again = await http.List($"category={category}");
        Assert.Equal("hit", again.Cache);
        Assert.Equivalent(new[] { first, second }, again.Ids, strict: true);
    }
}
