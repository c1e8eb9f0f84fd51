using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansScale.Sessions;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Sessions;

public sealed class CartApiTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Cart_lines_are_set_changed_and_removed_and_shown_with_the_session()
    {
        using var admin = await fixture.ApiA.Admin();
        var book = (await admin.CreateProduct(ProductApi.Body("Book"))).Id();
        var pen = (await admin.CreateProduct(ProductApi.Body("Pen"))).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        using var a = fixture.ApiA.WithToken(user.Token);
        using var b = fixture.ApiB.WithToken(user.Token);

        Assert.Equal(0, (await a.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart")).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await a.PutAsJsonAsync($"/api/sessions/current/cart/{book}", new { quantity = 2 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.PutAsJsonAsync($"/api/sessions/current/cart/{pen}", new { quantity = 999 })).StatusCode);
        var changed = await (await a.PutAsJsonAsync($"/api/sessions/current/cart/{book}", new { quantity = 3 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([(book, 3), (pen, 999)], Lines(changed));

        var session = await b.GetFromJsonAsync<JsonElement>("/api/sessions/current");
        Assert.Equal([(book, 3), (pen, 999)], Lines(session.GetProperty("cart")));

        var removed = await (await b.DeleteAsync($"/api/sessions/current/cart/{book}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([(pen, 999)], Lines(removed));
        Assert.Equal(HttpStatusCode.OK, (await b.DeleteAsync($"/api/sessions/current/cart/{book}")).StatusCode);
        await (await fixture.ApiA.Anonymous().GetAsync("/api/sessions/current/cart")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("""{"quantity":0}""")]
    [InlineData("""{"quantity":1000}""")]
    [InlineData("""{"quantity":"2"}""")]
    [InlineData("""{"quantity":1.5}""")]
    [InlineData("""{}""")]
    public async Task Quantity_must_be_a_json_integer_from_1_to_999(string body)
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);

        var response = await http.PutAsync($"/api/sessions/current/cart/{id}", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertFieldError("quantity");
    }

    [Fact]
    public async Task Unknown_product_is_404_and_the_cart_holds_at_most_100_lines()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        await (await http.PutAsJsonAsync($"/api/sessions/current/cart/{Guid.NewGuid():N}", new { quantity = 1 })).AssertProblem(HttpStatusCode.NotFound);

        var products = await Task.WhenAll(Enumerable.Range(0, CartLimits.MaxLines + 1).Select(async i =>
        {
            var id = Guid.NewGuid().ToString("N");
            await fixture.Cluster.Client.GetGrain<OrleansScale.Products.IProductGrain>(id)
                .Create(new OrleansScale.Products.ProductDetails($"p{i}", "", "misc", [new("USD", 1)], []));
            return id;
        }));
        var session = fixture.Cluster.Client.GetGrain<ISessionGrain>(user.Token);
        foreach (var id in products.Take(CartLimits.MaxLines))
            Assert.Equal(CartOutcome.Done, (await session.SetCartLine(id, 1)).Outcome);

        await (await http.PutAsJsonAsync($"/api/sessions/current/cart/{products[^1]}", new { quantity = 1 })).AssertProblem(HttpStatusCode.Conflict);
        // Changing an existing line is still allowed at the limit.
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/sessions/current/cart/{products[0]}", new { quantity = 5 })).StatusCode);
        var cart = await http.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart");
        Assert.Equal(CartLimits.MaxLines, cart.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Cart_survives_the_loss_of_the_silo_that_held_the_session()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/sessions/current/cart/{id}", new { quantity = 7 })).StatusCode);
        var session = fixture.Cluster.Client.GetGrain<ISessionGrain>(user.Token);
        var host = await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(session);
        var silo = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));

        await fixture.Cluster.KillSiloAsync(silo);
        var cart = await http.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart");

        Assert.Equal([(id, 7)], Lines(cart));
    }

    internal static List<(string, int)> Lines(JsonElement cart) => cart.GetProperty("items").EnumerateArray()
        .Select(l => (l.GetProperty("productId").GetString()!, l.GetProperty("quantity").GetInt32())).ToList();
}
