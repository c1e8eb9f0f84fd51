using System.Net.Http.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OrleansScale.Tests.Articles.ArticlePages;

namespace OrleansScale.Tests.Browser;

/// <summary>An article's pre-rendered page as a browser shows it: saved through the API, rendered in the background,
/// then opened in Chromium from a real socket.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ArticlePageTests(BrowserFixture fixture)
{
    const string Title = "Scaling out with grains";
    const string Code = "var silo = builder.UseOrleans();\nawait silo.StartAsync();";
    const string Markdown = $$"""
        Why each **grain** is the cache of record.

        ## Getting started

        Read the [Orleans documentation](https://learn.microsoft.com/dotnet/orleans/) first, or
        [another article](/articles/another-article).

        ```csharp
        {{Code}}
        ```

        ### What a silo holds

        Activations, and nothing else: see <https://example.com/silos>.
        """;

    /// <summary>Impacts that fail the page; "minor" and "moderate" findings are reported by axe but let through.</summary>
    static readonly string[] FailingImpacts = ["serious", "critical"];

    [Fact]
    public async Task Article_page_shows_its_headings_code_and_links()
    {
        await using var context = await fixture.NewContext();
        var page = await context.NewPageAsync();

        await OpenNewArticle(page, "article");

        await Expect(page).ToHaveTitleAsync(Title);
        await Expect(page.Locator("h1")).ToHaveTextAsync(Title);
        await Expect(page.Locator("h2")).ToHaveTextAsync("Getting started");
        await Expect(page.Locator("h3")).ToHaveTextAsync("What a silo holds");
        var code = page.Locator("pre > code");
        await Expect(code).ToHaveTextAsync(Code + "\n");
        await Expect(code).ToHaveClassAsync("language-csharp");
        await Expect(Link(page, "Orleans documentation")).ToHaveAttributeAsync("href", "https://learn.microsoft.com/dotnet/orleans/");
        await Expect(Link(page, "another article")).ToHaveAttributeAsync("href", "/articles/another-article");
        await Expect(Link(page, "https://example.com/silos")).ToHaveAttributeAsync("href", "https://example.com/silos");
    }

    [Fact]
    public async Task Article_page_has_no_serious_accessibility_violations_in_light_or_dark()
    {
        await using var context = await fixture.NewContext();
        var page = await context.NewPageAsync();
        await OpenNewArticle(page, "article-light");

        var light = await SeriousViolations(page);
        // The page has a stylesheet of its own for dark mode: its colours are checked too.
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await Screenshots.Save(page, "article-dark");
        var dark = await SeriousViolations(page);

        Assert.True(light.Count + dark.Count == 0, "axe found on the article page:\n" + string.Join("\n",
            light.Select(v => "light: " + Describe(v)).Concat(dark.Select(v => "dark: " + Describe(v)))));
    }

    /// <summary>Saves a new article through the API, waits for its page, opens it and takes its screenshot.</summary>
    async Task OpenNewArticle(IPage page, string screenshot)
    {
        var author = await fixture.ApiA.SignUpAndIn();
        var slug = NewSlug();
        using var http = fixture.ApiA.WithToken(author.Token);
        (await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = Title, markdown = Markdown })).EnsureSuccessStatusCode();
        await AwaitPage(fixture.ApiA, slug, 1);

        var response = await page.GotoAsync(new Uri(fixture.LocalAddress, $"/articles/{slug}").ToString());

        Assert.Equal(200, response!.Status);
        await Screenshots.Save(page, screenshot);
    }

    static async Task<List<AxeResultItem>> SeriousViolations(IPage page)
    {
        // Only violations are read: leaving out the passes keeps the result, and the run, smaller.
        var axe = await page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
        return axe.Violations.Where(v => FailingImpacts.Contains(v.Impact)).ToList();
    }

    static ILocator Link(IPage page, string text) =>
        page.Locator("article a[href]").Filter(new LocatorFilterOptions { HasText = text });

    static string Describe(AxeResultItem violation) =>
        $"{violation.Impact} {violation.Id}: {violation.Help} at {string.Join(", ", violation.Nodes.Select(n => n.Target))}";
}
