namespace OrleansScale.Articles;

/// <summary>The queued work of the articles feature: stream namespaces on the queue provider, each
/// stream keyed by the article's slug, so the events of one article arrive in order at one consumer.</summary>
static class ArticleStreams
{
    /// <summary>"Version n of this article was saved": the renderer's work.</summary>
    public const string Render = "article-render";

    /// <summary>"This article has its first page": posting the activity, a step of its own so that a
    /// failing activity feature never holds up rendering.</summary>
    public const string Published = "article-published";
}

[GenerateSerializer, Immutable]
public sealed record ArticleChanged(
    [property: Id(0)] string Slug,
    [property: Id(1)] int Version);

[GenerateSerializer, Immutable]
public sealed record ArticlePublished(
    [property: Id(0)] string Slug,
    [property: Id(1)] string AuthorId,
    [property: Id(2)] string Title);
