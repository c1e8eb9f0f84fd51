using Microsoft.Extensions.Logging;
using OrleansScale.Activities;
using OrleansScale.Queue;

namespace OrleansScale.Products;

/// <summary>The queued follow-up of an accepted review, keyed by the product id: the author's review index,
/// then the author's activity. A consumer of its own, so a failing activity post delays neither the
/// catalog projection nor the review itself; both steps are idempotent on the review id, so a
/// re-delivered event does no harm and a failed one is simply delivered again.</summary>
[GrainType("review-follow-up")]
[ImplicitStreamSubscription(ProductChanges.Namespace)]
public sealed partial class ReviewFollowUpGrain(ILogger<ReviewFollowUpGrain> logger)
    : QueueConsumerGrain<ProductChanged>, IGrainWithStringKey
{
    // The changes of one product: reviews by different users, whose follow-ups touch different grains.
    protected override Task ConsumeBatch(IReadOnlyList<ProductChanged> changes, CancellationToken cancellationToken) =>
        Task.WhenAll(changes.Select(change => Consume(change, cancellationToken)));

    protected override async Task Consume(ProductChanged change, CancellationToken cancellationToken)
    {
        if (change.NewReview is not { } review)
            return;
        await GrainFactory.GetGrain<IUserReviewsGrain>(review.UserId)
            .Add(new UserReview(review.Id, change.ProductId, review.Rating, review.Text, review.CreatedAt), cancellationToken);
        try
        {
            await GrainFactory.GetGrain<IActivityStreamGrain>(review.UserId).Post(new NewActivity(
                "review:" + review.Id, ActivityKinds.ReviewCreated, change.ProductId,
                $"Reviewed {change.Name}: {review.Rating}/5"));
        }
        catch (Exception e)
        {
            // Thrown on, so the stream delivers the event again; the index step above is idempotent.
            LogActivityFailed(e, review.Id, review.UserId);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Posting the activity of review {ReviewId} by user {UserId} failed; the event will be delivered again")]
    partial void LogActivityFailed(Exception exception, string reviewId, string userId);
}
