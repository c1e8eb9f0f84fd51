using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansScale.Queue;
using OrleansScale.Users;

namespace OrleansScale.Articles;

/// <summary>Renders an article after a change, off the request path: the consumer of the article's
/// render stream (one per slug, so an article's renders never race each other). Delivery is
/// at-least-once and events may arrive late or twice: it always renders the newest source, and the
/// article keeps whichever page is of the newer version.</summary>
[GrainType("article-renderer")]
[ImplicitStreamSubscription(ArticleStreams.Render)]
public sealed partial class ArticleRendererGrain(
    ArticlePageRenderer renderer,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ArticleRendererGrain> logger)
    : QueueConsumerGrain<ArticleChanged>, IGrainWithStringKey
{
    // It renders the newest source whichever change woke it: several at once need one render.
    protected override Task ConsumeBatch(IReadOnlyList<ArticleChanged> changes, CancellationToken cancellationToken) =>
        Consume(changes.MaxBy(c => c.Version)!, cancellationToken);

    protected override async Task Consume(ArticleChanged change, CancellationToken cancellationToken)
    {
        var article = GrainFactory.GetGrain<IArticleGrain>(change.Slug);
        var status = await article.GetStatus();
        if (status is null || status.RenderedVersion >= change.Version)
            return; // a repeated or overtaken event: a page at least this new is stored

        cancellationToken.ThrowIfCancellationRequested();
        var source = (await article.GetSource())!;
        var author = await GrainFactory.GetGrain<IUserGrain>(source.AuthorId).GetProfile();
        var html = renderer.Render(source, author?.DisplayName ?? "Unknown author", clock.GetUtcNow());
        await article.StoreRendered(new RenderedPage(source.Version, html, clock.GetUtcNow()));
        LogRendered(change.Slug, source.Version, html.Length);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rendered article {Slug} version {Version} ({Length} characters)")]
    partial void LogRendered(string slug, int version, int length);
}
