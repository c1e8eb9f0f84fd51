using System.Net;
using System.Net.Http.Json;
using OrleansScale.Catalog;
using OrleansScale.Products;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Catalog;

public sealed class CatalogListingTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Listing_is_a_miss_then_a_hit_whatever_the_parameter_order_and_case()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("hits");
        var product = await admin.CreateProduct(ProductApi.Body("Hit me", category));
        await fixture.Database.AwaitRow(product.Id(), 1);
        using var a = fixture.ApiA.Anonymous();
        using var b = fixture.ApiB.Anonymous();

        var first = await a.List($"category={category}&sort=price&page=1&pageSize=10");
        var second = await b.List($"pageSize=10&SORT=Price&Category={category.ToUpperInvariant()}");

        Assert.Equal("miss", first.Cache);
        Assert.Equal("hit", second.Cache);
        Assert.Equal([product.Id()], first.Ids);
        Assert.Equal(first.Body.ToString(), second.Body.ToString());
        var item = first.Body.GetProperty("items")[0];
        Assert.Equal(category, item.GetProperty("category").GetString());
        Assert.Equal(12.34m, item.GetProperty("price").GetProperty("amount").GetDecimal());
        Assert.Equal("USD", item.GetProperty("price").GetProperty("currency").GetString());
        Assert.Equal(1, first.Total);
    }

    [Fact]
    public async Task Listing_is_invalidated_when_a_listed_product_changes_and_no_other_listing_is()
    {
        using var admin = await fixture.ApiA.Admin();
        var (catA, catB, catC) = (CatalogApi.UniqueCategory("a"), CatalogApi.UniqueCategory("b"), CatalogApi.UniqueCategory("c"));
        var p = (await admin.CreateProduct(ProductApi.Body("P", catA))).Id();
        var q = (await admin.CreateProduct(ProductApi.Body("Q", catB))).Id();
        await fixture.Database.AwaitRow(p, 1);
        await fixture.Database.AwaitRow(q, 1);
        using var http = fixture.ApiB.Anonymous();
        string[] queries = [$"category={catA}", $"category={catB}", $"category={catC}", "pageSize=100"];
        foreach (var query in queries)
            Assert.Equal("miss", (await http.List(query)).Cache);
        foreach (var query in queries)
            Assert.Equal("hit", (await http.List(query)).Cache);

        // P changes its name: its category's listing and the unfiltered one go; B's and C's stay.
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(p, ProductApi.Body("P renamed", catA)))).StatusCode);
        Assert.Equal(["P renamed"], (await http.AwaitMiss($"category={catA}")).Names);
        Assert.Contains("P renamed", (await http.AwaitMiss("pageSize=100")).Names);
        Assert.Equal("hit", (await http.List($"category={catB}")).Cache);
        Assert.Equal("hit", (await http.List($"category={catC}")).Cache);

        // P moves from A to C: A's and C's listings go (old and new category); B's stays.
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(p, ProductApi.Body("P moved", catC)))).StatusCode);
        Assert.Empty((await http.AwaitMiss($"category={catA}")).Ids);
        Assert.Equal([p], (await http.AwaitMiss($"category={catC}")).Ids);
        await http.AwaitMiss("pageSize=100");
        Assert.Equal("hit", (await http.List($"category={catB}")).Cache);
        Assert.Equal([q], (await http.List($"category={catB}")).Ids);
    }

    [Fact]
    public async Task Deleted_product_leaves_every_cached_listing()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("gone");
        var keep = (await admin.CreateProduct(ProductApi.Body("Keep", category))).Id();
        var drop = (await admin.CreateProduct(ProductApi.Body("Drop", category))).Id();
        await fixture.Database.AwaitRow(drop, 1);
        await fixture.Database.AwaitRow(keep, 1);
        using var http = fixture.ApiA.Anonymous();
        Assert.Equal(2, (await http.List($"category={category}")).Total);
        Assert.Equal("hit", (await http.List($"category={category}")).Cache);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/products/{drop}")).StatusCode);

        var fresh = await http.AwaitMiss($"category={category}");
        Assert.Equal([keep], fresh.Ids);
        Assert.Equal(1, fresh.Total);
        Assert.DoesNotContain(drop, (await http.AwaitMiss("pageSize=100")).Ids);
    }

    [Fact]
    public async Task Listing_sorts_by_newest_price_and_rating_with_ties_by_id_and_pages()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("sorts");
        // The grains' clock only moves when told: move it so "newest" has an order to find.
        var cheap = (await admin.CreateProduct(ProductApi.Body("Cheap", category, 1m))).Id();
        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var dear = (await admin.CreateProduct(ProductApi.Body("Dear", category, 99m))).Id();
        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var middle = (await admin.CreateProduct(ProductApi.Body("Middle", category, 50m))).Id();
        var tie = (await admin.CreateProduct(ProductApi.Body("Tie", category, 50m))).Id();
        await fixture.Cluster.Client.GetGrain<IProductGrain>(dear).AddReview(new NewReview("rater", 5, "great"));
        await fixture.Cluster.Client.GetGrain<IProductGrain>(cheap).AddReview(new NewReview("rater", 2, "meh"));
        await fixture.Database.AwaitRow(dear, 2);
        await fixture.Database.AwaitRow(cheap, 2);
        await fixture.Database.AwaitRow(middle, 1);
        await fixture.Database.AwaitRow(tie, 1);
        using var http = fixture.ApiA.Anonymous();
        string[] tied = [.. new[] { middle, tie }.Order(StringComparer.Ordinal)];

        Assert.Equal([.. tied, dear, cheap], (await http.List($"category={category}")).Ids);
        Assert.Equal([cheap, .. tied, dear], (await http.List($"category={category}&sort=price")).Ids);
        Assert.Equal([dear, cheap, .. tied], (await http.List($"category={category}&sort=rating")).Ids);
        var second = await http.List($"category={category}&sort=price&page=2&pageSize=3");
        Assert.Equal([dear], second.Ids);
        Assert.Equal(4, second.Total);
        var past = await http.List($"category={category}&page=9");
        Assert.Empty(past.Ids);
        Assert.Equal(4, past.Total);
        var rating = (await http.List($"category={category}&sort=rating")).Body.GetProperty("items")[0].GetProperty("rating");
        Assert.Equal(5.0, rating.GetProperty("average").GetDouble());
        Assert.Equal(1, rating.GetProperty("count").GetInt64());
    }

    [Theory]
    [InlineData("sort=cheapest", "sort")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("page=one", "page")]
    [InlineData("category=not%20a%20slug", "category")]
    public async Task Bad_listing_parameters_are_400_naming_the_parameter(string query, string field)
    {
        using var http = fixture.ApiA.Anonymous();

        await (await http.GetAsync("/api/products?" + query)).AssertFieldError(field);
    }

    [Fact]
    public async Task Projection_is_idempotent_and_never_goes_back_a_version()
    {
        var id = Guid.NewGuid().ToString("N");
        var category = CatalogApi.UniqueCategory("order");
        var projection = fixture.Cluster.Client.GetGrain<ICatalogProjectionGrain>(id);
        ProductChanged Change(long version, string name, bool deleted = false) => new(id, version, deleted, name, category,
            [new Price("USD", version)], 0, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null);
        Task<string?> Row() => fixture.Database.Scalar<string>($"SELECT version || ':' || name || ':' || deleted FROM catalog_product WHERE id = '{id}'");

        Assert.True(await projection.Apply(Change(2, "two")));
        Assert.False(await projection.Apply(Change(2, "two")));      // delivered again
        Assert.False(await projection.Apply(Change(1, "one")));      // delivered late
        Assert.Equal("2:two:false", await Row());
        Assert.True(await projection.Apply(Change(4, "four", deleted: true)));
        Assert.False(await projection.Apply(Change(3, "three")));    // older than the tombstone
        Assert.Equal("4:four:true", await Row());

        using var http = fixture.ApiA.Anonymous();
        Assert.Empty((await http.List($"category={category}")).Ids);
    }
}
