using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.Core.Internal;
using OrleansScale.Products;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Products;

/// <summary>A product that exists is never answered as missing or empty because its state did not load:
/// the request fails with 503 (a read after one retry), and a later request gets the stored product.</summary>
public sealed class ProductLoadFailureTests(StorageFaultFixture fixture) : IClassFixture<StorageFaultFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(ReadFault.Fails)]
    [InlineData(ReadFault.Cancelled)]
    public async Task A_read_of_a_product_whose_state_did_not_load_is_503_never_404_and_a_later_read_gets_it(ReadFault fault)
    {
        var id = await CreateUnloadedProduct("Load " + fault);
        // The read and the API's one retry of it.
        StorageFaults.Inject("product", id, fault, count: 2);

        using var anonymous = fixture.ApiB.Anonymous();
        var failed = await anonymous.GetAsync($"/api/products/{id}");
        await failed.AssertProblem(HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(failed.Headers.RetryAfter);

        var read = await AwaitServed(anonymous, id);
        Assert.Equal("Load " + fault, read.GetProperty("name").GetString());
        Assert.Equal(1, read.GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData(ReadFault.Fails)]
    [InlineData(ReadFault.Cancelled)]
    public async Task A_write_to_a_product_whose_state_did_not_load_is_503_and_changes_nothing(ReadFault fault)
    {
        var id = await CreateUnloadedProduct("Before " + fault);
        StorageFaults.Inject("product", id, fault, count: 1);

        using var admin = await fixture.ApiA.Admin();
        var replaced = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After " + fault)));
        await replaced.AssertProblem(HttpStatusCode.ServiceUnavailable);
        var reviewed = await admin.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 4, text = "Fine." });
        Assert.NotEqual(HttpStatusCode.NotFound, reviewed.StatusCode);

        using var anonymous = fixture.ApiB.Anonymous();
        var read = await AwaitServed(anonymous, id);
        // The refused replace left no trace; a review answered 201 was applied to the stored product.
        Assert.Equal("Before " + fault, read.GetProperty("name").GetString());
        var reviews = read.GetProperty("rating").GetProperty("count").GetInt64();
        Assert.Equal(reviewed.StatusCode == HttpStatusCode.Created ? 1 : 0, reviews);
        Assert.Equal(1 + reviews, read.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_write_that_loses_a_version_race_to_another_writer_is_503_and_the_stored_product_is_served_after()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Raced"))).Id();
        await new Storage.StoredDocuments(fixture).WriteAsAnotherWriter<ProductState>("product", id);

        var lost = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Lost")));
        await lost.AssertProblem(HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(lost.Headers.RetryAfter);

        using var anonymous = fixture.ApiB.Anonymous();
        Assert.Equal("Raced", (await AwaitServed(anonymous, id)).GetProperty("name").GetString());
        var retried = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Retried")));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("Retried", (await AwaitServed(anonymous, id)).GetProperty("name").GetString());
    }

    /// <summary>Creates a product through the API and deactivates its grain, so the next call loads it.</summary>
    async Task<string> CreateUnloadedProduct(string name)
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body(name))).Id();
        await fixture.Cluster.Client.GetGrain<IProductGrain>(id).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        return id;
    }

    /// <summary>Reads until the product is served; every answer before must be a 503, never a 404.</summary>
    static async Task<JsonElement> AwaitServed(HttpClient http, string id)
    {
        var statuses = new List<HttpStatusCode>();
        var response = await Await.Until(async () =>
        {
            var r = await http.GetAsync($"/api/products/{id}");
            statuses.Add(r.StatusCode);
            return r;
        }, r => r.StatusCode != HttpStatusCode.ServiceUnavailable, Patience, "the product served again");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"answers until served: {string.Join(", ", statuses)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
