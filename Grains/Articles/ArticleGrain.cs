using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansScale.Queue;

namespace OrleansScale.Articles;

[GrainType("article")]
public sealed partial class ArticleGrain(
    [PersistentState("article", StorageNames.Main)] IPersistentState<ArticleState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ArticleGrain> logger) : Grain, IArticleGrain
{
    string Slug => this.GetPrimaryKeyString();

    public async Task<ArticleSaved> Save(ArticleEdit edit)
    {
        var article = state.State;
        if (article.AuthorId is { } author && author != edit.EditorId && !edit.EditorIsAdmin)
            return new ArticleSaved(ArticleSaveOutcome.Forbidden, article.Version);

        var now = clock.GetUtcNow();
        if (article.AuthorId is null)
        {
            // Indexed before the article is written: an index entry whose article never got written is
            // harmless (readers check the author), an article missing from its author's index is lost to exports.
            await GrainFactory.GetGrain<IAuthorArticlesGrain>(edit.EditorId).Add(Slug);
            article.AuthorId = edit.EditorId;
            article.CreatedAt = now;
        }
        article.Version++;
        article.Title = edit.Title;
        article.Markdown = edit.Markdown;
        article.UpdatedAt = now;
        await Persist();

        // If this enqueue fails the caller gets an error and the saved version waits for the next
        // save to be rendered (the renderer always renders the newest source).
        await this.PublishToQueue(ArticleStreams.Render, Slug, new ArticleChanged(Slug, article.Version));
        LogSaved(Slug, article.Version);
        return new ArticleSaved(ArticleSaveOutcome.Saved, article.Version);
    }

    public ValueTask<ArticleStatus?> GetStatus()
    {
        var article = state.State;
        return ValueTask.FromResult(article.AuthorId is null
            ? null
            : new ArticleStatus(Slug, article.Title, article.AuthorId, article.Version,
                article.Page?.Version ?? 0, article.Page?.RenderedAt));
    }

    public ValueTask<ArticleSource?> GetSource()
    {
        var article = state.State;
        return ValueTask.FromResult(article.AuthorId is null
            ? null
            : new ArticleSource(Slug, article.AuthorId, article.Version, article.Title, article.Markdown,
                article.CreatedAt, article.UpdatedAt));
    }

    public async Task<bool> StoreRendered(RenderedPage page)
    {
        var article = state.State;
        if (page.Version <= (article.Page?.Version ?? 0) || page.Version > article.Version)
        {
            LogRenderIgnored(Slug, page.Version, article.Page?.Version ?? 0);
            return false;
        }

        if (!article.PublicationQueued)
        {
            // Queued before the page is written, so a failure between the two repeats the publication
            // (posting the activity is idempotent) rather than losing it.
            await this.PublishToQueue(ArticleStreams.Published, Slug, new ArticlePublished(Slug, article.AuthorId!, article.Title));
            article.PublicationQueued = true;
        }
        article.Page = page;
        await Persist();
        LogRendered(Slug, page.Version);
        return true;
    }

    public ValueTask<RenderedPage?> GetPage() => ValueTask.FromResult(state.State.Page);

    async Task Persist()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The in-memory copy ran ahead of storage; start over from what storage holds.
            DeactivateOnIdle();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Article {Slug} saved as version {Version}; rendering queued")]
    partial void LogSaved(string slug, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Article {Slug} page of version {Version} stored")]
    partial void LogRendered(string slug, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Article {Slug}: render of version {Version} ignored, the page is of version {Stored}")]
    partial void LogRenderIgnored(string slug, int version, int stored);
}

/// <summary>An article (state "article"): the newest source only (a title of at most
/// <see cref="ArticleLimits.MaxTitleLength"/> characters, Markdown of at most
/// <see cref="ArticleLimits.MaxMarkdownBytes"/> bytes, so at most as many characters) and the page rendered
/// from it, whose body the renderer cuts off at <see cref="ArticlePageRenderer.MaxBodyChars"/> characters
/// (<see cref="ArticlePageRenderer.NotShownNotice"/> instead) inside a frame of at most
/// <see cref="ArticlePageRenderer.MaxFrameChars"/>. Earlier versions are not kept.</summary>
[GenerateSerializer]
public sealed class ArticleState
{
    public const long MaxStoredBytes = 2 * StoredSize.Object
        + (long)(ArticleLimits.MaxTitleLength + ArticleLimits.MaxMarkdownBytes) * StoredSize.BytesPerChar
        + (long)(ArticlePageRenderer.MaxBodyChars + ArticlePageRenderer.MaxFrameChars) * StoredSize.BytesPerChar;

    [Id(0)] public string? AuthorId { get; set; }
    [Id(1)] public int Version { get; set; }
    [Id(2)] public string Title { get; set; } = "";
    [Id(3)] public string Markdown { get; set; } = "";
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(6)] public RenderedPage? Page { get; set; }
    [Id(7)] public bool PublicationQueued { get; set; }
}
