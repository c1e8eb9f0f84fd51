using OrleansScale.Activities;
using OrleansScale.Queue;

namespace OrleansScale.Articles;

/// <summary>Posts the article.published activity once an article has its first page. A separate
/// queued step: if posting fails the queue retries it, and rendering is never held up. The
/// activity's id is derived from the slug, so repeated deliveries post it once.</summary>
[GrainType("article-publication")]
[ImplicitStreamSubscription(ArticleStreams.Published)]
public sealed class ArticlePublicationGrain : QueueConsumerGrain<ArticlePublished>, IGrainWithStringKey
{
    protected override Task Consume(ArticlePublished published, CancellationToken cancellationToken) =>
        GrainFactory.GetGrain<IActivityStreamGrain>(published.AuthorId).Post(new NewActivity(
            $"article:{published.Slug}", ActivityKinds.ArticlePublished, published.Slug, $"Published “{published.Title}”"));
}
