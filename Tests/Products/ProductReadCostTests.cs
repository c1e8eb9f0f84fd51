using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Products;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Products;

/// <summary>The cost of a product read, on a cluster of its own: nothing else runs there that could
/// issue SQL while the reads are counted (other tests' activity streams, friendship checks, jobs).</summary>
public sealed class ProductReadCostTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Reading_a_cached_aggregate_runs_no_sql()
    {
        using var admin = await fixture.ApiA.Admin();
        var ids = new List<string>();
        // A category of their own, so the test can wait for the background projection of these products
        // to finish: its SQL must not be mistaken for SQL of the reads.
        var category = "reads-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 5; i++)
            ids.Add((await admin.CreateProduct(ProductApi.Body($"Read {i}", category))).Id());
        using var a = fixture.ApiA.Anonymous();
        using var b = fixture.ApiB.Anonymous();
        await Await.Until(() => a.GetFromJsonAsync<JsonElement>($"/api/products?category={category}"),
            listing => listing.GetProperty("total").GetInt32() == ids.Count, TimeSpan.FromSeconds(30), "the projection of the new products");
        foreach (var id in ids)
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/api/products/{id}")).StatusCode);

        using var commands = new NpgsqlCommandLog();
        for (var i = 0; i < 200; i++)
        {
            var response = await (i % 2 == 0 ? a : b).GetAsync($"/api/products/{ids[i % ids.Count]}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var duringReads = commands.Statements();

        Assert.DoesNotContain(duringReads, s => s.Contains("orleans_storage", StringComparison.OrdinalIgnoreCase));
        // The log does see storage traffic: a write goes through it.
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(ids[0], ProductApi.Body("Changed")))).StatusCode);
        Assert.Contains(commands.Statements(), s => s.Contains("orleans_storage", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_product_reactivated_after_its_change_went_out_publishes_nothing_again()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = "reactivated-" + Guid.NewGuid().ToString("N")[..8];
        var id = (await admin.CreateProduct(ProductApi.Body("Sleeper", category))).Id();
        using var reader = fixture.ApiA.Anonymous();
        await Await.Until(() => reader.GetFromJsonAsync<JsonElement>($"/api/products?category={category}"),
            listing => listing.GetProperty("total").GetInt32() == 1, TimeSpan.FromSeconds(30), "the projection of the product");
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);

        // The first activation after the change may publish it once more (the outbox is emptied in
        // memory first and in storage later); it must also store the emptied outbox.
        await management.ForceActivationCollection(TimeSpan.Zero);
        Assert.NotNull(await fixture.Cluster.Client.GetGrain<IProductGrain>(id).Get());
        await management.ForceActivationCollection(TimeSpan.Zero);

        // Through the grain, not the API: an API process would answer from its near cache.
        using var commands = new NpgsqlCommandLog();
        Assert.NotNull(await fixture.Cluster.Client.GetGrain<IProductGrain>(id).Get());
        var statements = commands.Statements();
        Assert.Contains(statements, s => s.Contains("FROM orleans_storage", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(statements, s => s.Contains("INSERT INTO orleans_stream_message", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(statements, s => s.Contains("orleans_storage_write", StringComparison.OrdinalIgnoreCase));
    }
}
