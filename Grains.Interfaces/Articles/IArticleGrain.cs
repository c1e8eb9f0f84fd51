namespace OrleansScale.Articles;

/// <summary>One article, keyed by its slug: the Markdown source, its version, and the page
/// pre-rendered from it. The page is rendered in the background after every change and served
/// from memory; until a newer version is rendered, the previous page stays in place.</summary>
public interface IArticleGrain : IGrainWithStringKey
{
    /// <summary>Stores a new version of the source and queues its rendering; durable and queued
    /// when the task completes. The first editor becomes the author; afterwards only the author or
    /// an administrator may change the article (<see cref="ArticleSaveOutcome.Forbidden"/>).</summary>
    Task<ArticleSaved> Save(ArticleEdit edit);

    /// <summary>What the article is and how far rendering got; null if no article has this slug.</summary>
    ValueTask<ArticleStatus?> GetStatus();

    /// <summary>The current source with its version, for the renderer and for exports; null if none.</summary>
    ValueTask<ArticleSource?> GetSource();

    /// <summary>Stores a rendered page if it was rendered from a newer version than the stored page
    /// (and not from a version this article never had). Returns false, changing nothing, otherwise,
    /// so a late render of an old version never replaces the page of a newer one.</summary>
    Task<bool> StoreRendered(RenderedPage page);

    /// <summary>The stored page, served from memory; null before the first render.</summary>
    ValueTask<RenderedPage?> GetPage();
}

[GenerateSerializer, Immutable]
public sealed record ArticleEdit(
    [property: Id(0)] string EditorId,
    [property: Id(1)] bool EditorIsAdmin,
    [property: Id(2)] string Title,
    [property: Id(3)] string Markdown);

public enum ArticleSaveOutcome { Saved, Forbidden }

[GenerateSerializer, Immutable]
public sealed record ArticleSaved(
    [property: Id(0)] ArticleSaveOutcome Outcome,
    [property: Id(1)] int Version);

[GenerateSerializer, Immutable]
public sealed record ArticleStatus(
    [property: Id(0)] string Slug,
    [property: Id(1)] string Title,
    [property: Id(2)] string AuthorId,
    [property: Id(3)] int Version,
    [property: Id(4)] int RenderedVersion,
    [property: Id(5)] DateTimeOffset? RenderedAt)
{
    /// <summary>"rendering" while the newest version has no page yet, else "rendered".</summary>
    public string State => RenderedVersion < Version ? "rendering" : "rendered";
}

[GenerateSerializer, Immutable]
public sealed record ArticleSource(
    [property: Id(0)] string Slug,
    [property: Id(1)] string AuthorId,
    [property: Id(2)] int Version,
    [property: Id(3)] string Title,
    [property: Id(4)] string Markdown,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt);

/// <summary>A complete HTML page and the source version it was rendered from.</summary>
[GenerateSerializer, Immutable]
public sealed record RenderedPage(
    [property: Id(0)] int Version,
    [property: Id(1)] string Html,
    [property: Id(2)] DateTimeOffset RenderedAt);

/// <summary>The slugs of the articles one user created, keyed by the user id, so "this user's articles"
/// needs no scan. Stored as rows of their own (table <c>author_article</c>), so recording an article costs
/// the same however many the author has.</summary>
public interface IAuthorArticlesGrain : IGrainWithStringKey
{
    /// <summary>The largest page <see cref="Page"/> returns.</summary>
    public const int MaxPageSize = 1_000;

    /// <summary>Records an article of this author: one insert, durable when the task completes. Idempotent.</summary>
    Task Add(string slug, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> (1–<see cref="MaxPageSize"/>) of the slugs recorded for this
    /// author, oldest first. Pass the previous page's <see cref="AuthorArticlePage.Next"/> as
    /// <paramref name="after"/> for the next page; null for the first. An entry may name an article whose
    /// first save failed half-way: check the article's author before using it.</summary>
    Task<AuthorArticlePage> Page(int limit, long? after, CancellationToken cancellationToken = default);
}

/// <param name="Next">The position to pass for the following page; null when this page is the last.</param>
[GenerateSerializer, Immutable]
public sealed record AuthorArticlePage(
    [property: Id(0)] IReadOnlyList<string> Slugs,
    [property: Id(1)] long? Next);
