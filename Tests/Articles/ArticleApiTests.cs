using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansScale.Articles;
using OrleansScale.Tests.Hosting;
using static OrleansScale.Tests.Articles.ArticlePages;

namespace OrleansScale.Tests.Articles;

public sealed partial class ArticleApiTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Article_is_rendered_in_the_background_into_a_complete_page()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);
        var slug = NewSlug();

        var response = await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Hello & welcome", markdown = "# Intro\n\nSome *text*." });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(slug, accepted.GetProperty("slug").GetString());
        Assert.Equal("rendering", accepted.GetProperty("status").GetString());
        Assert.Equal(1, accepted.GetProperty("version").GetInt32());
        var page = await AwaitPage(fixture.ApiB, slug, 1);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>Hello &amp; welcome</title>", html);
        Assert.Contains("User " + author.UserName, html); // the author's display name
        Assert.Contains("<em>text</em>", html);
        Assert.Contains("<style>", html);
        var status = await fixture.ApiB.Anonymous().GetFromJsonAsync<JsonElement>($"/api/articles/{slug}");
        Assert.Equal("rendered", status.GetProperty("status").GetString());
        Assert.Equal(author.UserId, status.GetProperty("authorId").GetString());
        Assert.Equal(1, status.GetProperty("renderedVersion").GetInt32());
    }

    [Fact]
    public async Task Update_is_rendered_and_the_previous_page_is_served_until_then()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);
        var slug = NewSlug();
        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "First", markdown = "first text" });
        await AwaitPage(fixture.ApiA, slug, 1);

        var response = await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Second", markdown = "second text" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        // At no point is there no page: either version 1 or version 2.
        Assert.Equal(HttpStatusCode.OK, (await fixture.ApiB.Anonymous().GetAsync($"/articles/{slug}")).StatusCode);
        var html = await (await AwaitPage(fixture.ApiB, slug, 2)).Content.ReadAsStringAsync();
        Assert.Contains("second text", html);
        Assert.DoesNotContain("first text", html);
    }

    [Fact]
    public async Task A_late_render_of_an_old_version_never_replaces_the_page_of_a_newer_one()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);
        var slug = NewSlug();
        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "T", markdown = "version one" });
        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "T", markdown = "version two" });
        await AwaitPage(fixture.ApiA, slug, 2);
        var article = fixture.Cluster.Client.GetGrain<IArticleGrain>(slug);

        var stored = await article.StoreRendered(new RenderedPage(1, "<p>stale</p>", DateTimeOffset.UtcNow));

        Assert.False(stored);
        Assert.Contains("version two", await fixture.ApiB.Anonymous().GetStringAsync($"/articles/{slug}"));
        Assert.False(await article.StoreRendered(new RenderedPage(3, "<p>from the future</p>", DateTimeOffset.UtcNow)));
    }

    [Fact]
    public async Task Script_in_the_source_never_reaches_the_page()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);
        var slug = NewSlug();
        const string markdown = """
            <script>alert('tag')</script>

            <img src="x.png" onerror="alert('attribute')">

            <a href="https://example.com" onclick="alert('click')">html link</a>

            [plain](javascript:alert('link')) [spaced](  JaVaScRiPt:alert('case')) [entity](&#106;avascript:alert('entity'))

            [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) ![image](javascript:alert('image'))

            [reference][evil] and <javascript:alert('autolink')> and [fine](https://example.com/a:b)

            [evil]: vbscript:msgbox('reference')
            """;

        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "<script>alert('title')</script>", markdown });
        var html = await (await AwaitPage(fixture.ApiA, slug, 1)).Content.ReadAsStringAsync();

        Assert.DoesNotMatch(new Regex("<script", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(AnyEventAttribute(), html);
        Assert.DoesNotMatch(UnsafeAddress(), html);
        Assert.Contains("&lt;script&gt;", html); // raw HTML is shown as text, not run
        Assert.Contains("&lt;img", html);
        Assert.Contains("href=\"https://example.com/a:b\"", html);
        Assert.Contains(ArticlePageRenderer.BlockedUrl, html);
    }

    [Fact]
    public async Task Page_has_an_etag_and_cache_control_and_answers_304_when_unchanged()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);
        var slug = NewSlug();
        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Cached", markdown = "text" });
        var first = await AwaitPage(fixture.ApiA, slug, 1);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.Contains("max-age", first.Headers.CacheControl?.ToString());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/articles/{slug}");
        conditional.Headers.IfNoneMatch.Add(etag);
        var notModified = await fixture.ApiB.Anonymous().SendAsync(conditional);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Cached", markdown = "changed" });
        await AwaitPage(fixture.ApiA, slug, 2);
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/articles/{slug}");
        stale.Headers.IfNoneMatch.Add(etag);
        var changed = await fixture.ApiB.Anonymous().SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
    }

    [Fact]
    public async Task Unknown_article_has_no_page_and_no_status()
    {
        using var http = fixture.ApiA.Anonymous();

        await (await http.GetAsync($"/articles/{NewSlug()}")).AssertProblem(HttpStatusCode.NotFound);
        await (await http.GetAsync($"/api/articles/{NewSlug()}")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_the_author_or_an_administrator_may_change_an_article()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        var someone = await fixture.ApiA.SignUpAndIn();
        var admin = await fixture.ApiA.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        var slug = NewSlug();
        var body = new { title = "Mine", markdown = "text" };
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.ApiA.WithToken(author.Token).PutAsJsonAsync($"/api/articles/{slug}", body)).StatusCode);

        await (await fixture.ApiA.Anonymous().PutAsJsonAsync($"/api/articles/{slug}", body)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await fixture.ApiB.WithToken(someone.Token).PutAsJsonAsync($"/api/articles/{slug}", body)).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.ApiB.WithToken(admin.Token).PutAsJsonAsync($"/api/articles/{slug}", body)).StatusCode);

        var status = await fixture.ApiA.Anonymous().GetFromJsonAsync<JsonElement>($"/api/articles/{slug}");
        Assert.Equal(author.UserId, status.GetProperty("authorId").GetString());
        Assert.Equal(2, status.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Invalid_slug_title_or_markdown_is_refused_and_changes_nothing()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);

        await (await http.PutAsJsonAsync("/api/articles/Not_A_Slug", new { title = "t", markdown = "m" })).AssertFieldError("slug");
        await (await http.PutAsJsonAsync($"/api/articles/{new string('a', 101)}", new { title = "t", markdown = "m" })).AssertFieldError("slug");
        await (await http.PutAsJsonAsync($"/api/articles/{NewSlug()}", new { title = "", markdown = "m" })).AssertFieldError("title");
        await (await http.PutAsJsonAsync($"/api/articles/{NewSlug()}", new { title = new string('t', 201), markdown = "m" })).AssertFieldError("title");
        await (await http.PutAsJsonAsync($"/api/articles/{NewSlug()}", new { title = "t" })).AssertFieldError("markdown");
        var slug = NewSlug();
        await (await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "t", markdown = new string('m', 200 * 1024 + 1) })).AssertFieldError("markdown");
        await (await http.GetAsync($"/api/articles/{slug}")).AssertProblem(HttpStatusCode.NotFound);
    }

    [GeneratedRegex(@"<[^>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex AnyEventAttribute();

    [GeneratedRegex(@"(href|src)\s*=\s*[""']?\s*(javascript|vbscript|data):", RegexOptions.IgnoreCase)]
    private static partial Regex UnsafeAddress();
}
