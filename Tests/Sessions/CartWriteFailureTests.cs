using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Sessions;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Sessions;

/// <summary>A cart change whose storage write fails is answered 503, and no later read shows it.</summary>
public sealed class CartWriteFailureTests(StorageFaultFixture fixture) : IClassFixture<StorageFaultFixture>
{
    [Fact]
    public async Task A_cart_change_the_database_refused_is_503_and_never_shown_after()
    {
        var (http, book, token) = await SignedInWithProduct("Refused book");
        StorageFaults.FailWrites("session", token, 1);

        await (await http.PutAsJsonAsync($"/api/sessions/current/cart/{book}", new { quantity = 2 })).AssertProblem(HttpStatusCode.ServiceUnavailable);
        await AssertChangeNotShownThenAccepted(http, book);
    }

    [Fact]
    public async Task A_cart_change_whose_write_loses_a_version_race_is_503_and_never_shown_after()
    {
        var (http, book, token) = await SignedInWithProduct("Raced book");
        await new Storage.StoredDocuments(fixture).WriteAsAnotherWriter<SessionState>("session", token);

        await (await http.PutAsJsonAsync($"/api/sessions/current/cart/{book}", new { quantity = 2 })).AssertProblem(HttpStatusCode.ServiceUnavailable);
        await AssertChangeNotShownThenAccepted(http, book);
    }

    async Task<(HttpClient Http, string Book, string Token)> SignedInWithProduct(string name)
    {
        using var admin = await fixture.ApiA.Admin();
        var book = (await admin.CreateProduct(ProductApi.Body(name))).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        var http = fixture.ApiA.WithToken(user.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions/current/cart")).StatusCode);
        return (http, book, user.Token);
    }

    static async Task AssertChangeNotShownThenAccepted(HttpClient http, string book)
    {
        Assert.Empty(CartApiTests.Lines(await http.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart")));
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/sessions/current/cart/{book}", new { quantity = 2 })).StatusCode);
        Assert.Equal([(book, 2)], CartApiTests.Lines(await http.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart")));
        http.Dispose();
    }
}
