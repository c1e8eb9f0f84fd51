using System.Net;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Articles;

/// <summary>Articles as the tests make them: a fresh slug each, and the wait for a version's page, which is
/// rendered in the background after the save is acknowledged.</summary>
public static class ArticlePages
{
    static readonly TimeSpan RenderTimeout = TimeSpan.FromSeconds(30);

    public static string NewSlug() => "a-" + Guid.NewGuid().ToString("N")[..16];

    public static Task<HttpResponseMessage> AwaitPage(ApiFactory api, string slug, int version) => Await.Until(
        () => api.Anonymous().GetAsync($"/articles/{slug}"),
        r => r.StatusCode == HttpStatusCode.OK && r.Headers.ETag?.Tag == $"\"{version}\"",
        RenderTimeout, $"the page of {slug} version {version}");
}
