using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Jobs;

/// <summary>The features meet: a review and an article become activities of their author and reach
/// the friend's feed, and the author's export joins profile, friends, reviews, activities and articles.</summary>
public sealed class EveryFeatureTogetherTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Reviews_and_articles_become_activities_in_feeds_and_everything_is_in_the_export()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        var friend = await fixture.ApiB.SignUpAndIn();
        using var asAuthor = fixture.ApiA.WithToken(author.Token);
        using var asFriend = fixture.ApiB.WithToken(friend.Token);
        Assert.Equal(HttpStatusCode.NoContent,
            (await asAuthor.PutAsync($"/api/users/{author.UserId}/friends/{friend.UserId}", null)).StatusCode);

        var productId = await CreateProduct();
        Assert.Equal(HttpStatusCode.Created, (await asAuthor.PostAsJsonAsync($"/api/products/{productId}/reviews",
            new { rating = 5, text = "Worth every page." })).StatusCode);
        var slug = "notes-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Accepted, (await asAuthor.PutAsJsonAsync($"/api/articles/{slug}",
            new { title = "Notes", markdown = "# Notes\n\nHello." })).StatusCode);

        await Await.Until(() => Kinds(asAuthor, $"/api/users/{author.UserId}/activities"),
            kinds => kinds.Contains("review.created") && kinds.Contains("article.published") && kinds.Contains("friend.added"),
            Patience, "the author's activities");
        await Await.Until(() => Kinds(asFriend, $"/api/users/{friend.UserId}/feed"),
            kinds => kinds.Contains("review.created") && kinds.Contains("article.published"),
            Patience, "the friend's feed");

        var requested = await asAuthor.PostAsync($"/api/users/{author.UserId}/exports", null);
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var jobId = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString();
        await Await.Until(() => asAuthor.GetFromJsonAsync<JsonElement>($"/api/jobs/{jobId}"),
            job => job.GetProperty("status").GetString() == "succeeded", Patience, "the export to finish");
        var export = await asAuthor.GetFromJsonAsync<JsonElement>($"/api/jobs/{jobId}/result");

        Assert.Equal(author.UserId, export.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(friend.UserId, Assert.Single(export.GetProperty("friends").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(productId, Assert.Single(export.GetProperty("reviews").EnumerateArray()).GetProperty("productId").GetString());
        Assert.Equal(slug, Assert.Single(export.GetProperty("articles").EnumerateArray()).GetProperty("slug").GetString());
        Assert.Contains(export.GetProperty("activities").EnumerateArray(), a => a.GetProperty("kind").GetString() == "review.created");
    }

    async Task<string> CreateProduct()
    {
        var admin = await fixture.ApiA.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        using var asAdmin = fixture.ApiA.WithToken(admin.Token);
        var created = await asAdmin.PostAsJsonAsync("/api/products", new
        {
            name = "The Book", description = "A book.", category = "books",
            prices = new[] { new { currency = "USD", amount = 12.34m } }, pictures = Array.Empty<string>(),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    static async Task<List<string>> Kinds(HttpClient http, string route)
    {
        var page = await http.GetFromJsonAsync<JsonElement>(route);
        return page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("kind").GetString()!).ToList();
    }
}
