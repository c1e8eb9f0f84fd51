using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Products;

/// <summary>Helpers for arranging products through the public API.</summary>
public static class ProductApi
{
    public static object Body(string name = "A book", string category = "books", decimal usd = 12.34m, params string[] pictures) => new
    {
        name,
        description = "A fine " + name,
        category,
        prices = new object[] { new { currency = "USD", amount = usd }, new { currency = "EUR", amount = 11.20m } },
        pictures = pictures.Length == 0 ? ["https://example.com/1.jpg"] : pictures,
    };

    public static async Task<HttpClient> Admin(this ApiFactory api)
    {
        var admin = await api.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        return api.WithToken(admin.Token);
    }

    public static async Task<JsonElement> CreateProduct(this HttpClient admin, object body)
    {
        var response = await admin.PostAsJsonAsync("/api/products", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public static string Id(this JsonElement product) => product.GetProperty("id").GetString()!;

    public static HttpRequestMessage Put(string id, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/products/{id}") { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
        return request;
    }
}
