using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansScale.Activities;

namespace OrleansScale.Articles;

/// <summary>Posts the article.published activity once an article has its first page. A separate
/// queued step: if posting fails the queue retries it, and rendering is never held up. The
/// activity's id is derived from the slug, so repeated deliveries post it once.</summary>
[GrainType("article-publication")]
[ImplicitStreamSubscription(ArticleStreams.Published)]
public sealed partial class ArticlePublicationGrain(ILogger<ArticlePublicationGrain> logger)
    : Grain, IGrainWithStringKey, IStreamSubscriptionObserver, IAsyncObserver<ArticlePublished>
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<ArticlePublished>().ResumeAsync(this);

    public async Task OnNextAsync(ArticlePublished published, StreamSequenceToken? token = null)
    {
        await GrainFactory.GetGrain<IActivityStreamGrain>(published.AuthorId).Post(new NewActivity(
            $"article:{published.Slug}", ActivityKinds.ArticlePublished, published.Slug, $"Published “{published.Title}”"));
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publication stream of article {Slug} reported an error")]
    partial void LogStreamError(Exception exception, string slug);
}
