namespace OrleansScale.Articles;

/// <summary>The limits of an article: the API refuses input beyond them (400, naming the field), and the
/// stored document's size bound is computed from them.</summary>
public static class ArticleLimits
{
    public const int MaxSlugLength = 100;
    public const int MaxTitleLength = 200;
    public const int MaxMarkdownBytes = 200 * 1024;
}
