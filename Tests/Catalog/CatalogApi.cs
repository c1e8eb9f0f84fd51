using System.Net;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Catalog;

public sealed record Listing(string Cache, JsonElement Body)
{
    public IReadOnlyList<string> Ids => Body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
    public IReadOnlyList<string> Names => Body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).ToList();
    public long Total => Body.GetProperty("total").GetInt64();
}

public static class CatalogApi
{
    public static async Task<Listing> List(this HttpClient http, string query)
    {
        var response = await http.GetAsync("/api/products?" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return new Listing(response.Headers.GetValues("X-Cache").Single(), JsonDocument.Parse(text).RootElement);
    }

    /// <summary>Waits until the projection has written the product's row at least at this version.</summary>
    public static Task AwaitRow(this TestDatabase database, string id, long version) =>
        Await.Until(() => database.Scalar<long>($"SELECT coalesce(max(version), 0) FROM catalog_product WHERE id = '{id}'"),
            v => v >= version, TimeSpan.FromSeconds(30), $"row {id} at version {version}");

    /// <summary>Reads a listing until it is no longer served from the cache, and returns that fresh read.</summary>
    public static Task<Listing> AwaitMiss(this HttpClient http, string query) =>
        Await.Until(() => http.List(query), l => l.Cache == "miss", TimeSpan.FromSeconds(30), $"listing {query} invalidated");

    public static string UniqueCategory(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
