using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Api.Sessions;
using OrleansScale.Articles;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Articles;

public static partial class ArticleEndpoints
{
    public const int MaxTitleLength = ArticleLimits.MaxTitleLength;
    public const int MaxMarkdownBytes = ArticleLimits.MaxMarkdownBytes;

    /// <summary>Browsers and proxies may reuse a page this long without asking; after that a
    /// conditional request costs a 304.</summary>
    const string PageCacheControl = "public, max-age=30";

    /// <summary>Defence in depth behind the renderer: the page needs no script, frame or plugin, and
    /// its only style is inline.</summary>
    const string PageContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapArticlesApi(this IEndpointRouteBuilder app)
    {
        var articles = app.MapGroup("/api/articles").WithTags("Articles");
        articles.MapPut("/{slug}", SaveArticle).RequireAuthorization().WithName("SaveArticle").CreatesBackgroundWork()
            .WithSummary("Creates or changes an article; it is rendered in the background. Only its author or an administrator may change it.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithResponseHeader(StatusCodes.Status202Accepted, "Location", "/api/articles/{slug}");
        articles.MapGet("/{slug}", GetArticle).WithName("GetArticle").WithSummary("An article's versions and rendering status.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/articles/{slug}", GetPage).WithTags("Articles").WithName("GetArticlePage")
            .WithSummary("The pre-rendered page; 304 on a matching If-None-Match.")
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseHeader(StatusCodes.Status200OK, "ETag", "The rendered version, as \"7\".")
            .WithResponseHeader(StatusCodes.Status200OK, "Cache-Control", PageCacheControl);
        return app;
    }

    // The attributes describe the rules for the OpenAPI document; SaveArticle enforces them. The Markdown's
    // limit is in UTF-8 bytes; as a length in characters it is an upper bound.
    public sealed record SaveArticleRequest(
        [property: Required, StringLength(MaxTitleLength, MinimumLength = 1)] string? Title,
        [property: Required, StringLength(MaxMarkdownBytes)] string? Markdown);

    public sealed record ArticleAccepted(string Slug, string Status, int Version);

    public sealed record ArticleView(
        string Slug, string Title, string AuthorId, int Version, int RenderedVersion, DateTimeOffset? RenderedAt, string Status);

    static async Task<Results<Accepted<ArticleAccepted>, ValidationProblem, ProblemHttpResult>> SaveArticle(
        string slug, SaveArticleRequest request, IGrainFactory grains, HttpContext http)
    {
        var title = request.Title?.Trim();
        var errors = new ValidationErrors().RequireLength("title", title, 1, MaxTitleLength);
        if (!SlugPattern().IsMatch(slug))
            errors.Add("slug", "Use 1 to 100 lowercase letters, digits or hyphens.");
        if (request.Markdown is null)
            errors.Add("markdown", "The field is required.");
        else if (Encoding.UTF8.GetByteCount(request.Markdown) > MaxMarkdownBytes)
            errors.Add("markdown", $"Must be at most {MaxMarkdownBytes} bytes (UTF-8).");
        errors.RequireStorableText("markdown", request.Markdown);
        if (!errors.IsValid)
            return errors.ToProblem();

        var session = http.Current().View;
        var saved = await grains.GetGrain<IArticleGrain>(slug)
            .Save(new ArticleEdit(session.UserId, session.IsAdmin, title!, request.Markdown!));
        if (saved.Outcome == ArticleSaveOutcome.Forbidden)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "Only the article's author or an administrator may change it.");
        return TypedResults.Accepted($"/api/articles/{slug}", new ArticleAccepted(slug, "rendering", saved.Version));
    }

    static async Task<Results<Ok<ArticleView>, ProblemHttpResult>> GetArticle(string slug, IGrainFactory grains)
    {
        var status = SlugPattern().IsMatch(slug) ? await grains.GetGrain<IArticleGrain>(slug).GetStatus() : null;
        if (status is null)
            return NoSuchArticle();
        return TypedResults.Ok(new ArticleView(status.Slug, status.Title, status.AuthorId, status.Version,
            status.RenderedVersion, status.RenderedAt, status.State));
    }

    /// <summary>Serves the stored page as it is: nothing is rendered on the request path.</summary>
    static async Task<IResult> GetPage(string slug, IGrainFactory grains, HttpContext http)
    {
        var page = SlugPattern().IsMatch(slug) ? await grains.GetGrain<IArticleGrain>(slug).GetPage() : null;
        if (page is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "This article has no page (yet).");

        var etag = new EntityTagHeaderValue($"\"{page.Version}\"");
        var headers = http.Response.GetTypedHeaders();
        headers.ETag = etag;
        headers.LastModified = page.RenderedAt;
        http.Response.Headers.CacheControl = PageCacheControl;
        http.Response.Headers.ContentSecurityPolicy = PageContentSecurityPolicy;
        http.Response.Headers.XContentTypeOptions = "nosniff";

        var ifNoneMatch = http.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(candidate => candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(etag, useStrongComparison: false)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Content(page.Html, "text/html; charset=utf-8");
    }

    static ProblemHttpResult NoSuchArticle() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No article has this slug.");

    [GeneratedRegex("^[a-z0-9-]{1,100}$")]
    private static partial Regex SlugPattern();
}
