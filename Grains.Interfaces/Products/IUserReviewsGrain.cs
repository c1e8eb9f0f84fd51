namespace OrleansScale.Products;

/// <summary>The reviews one user has written, keyed by the user id: an index kept by the review follow-up
/// when a product accepts a review, so "this user's reviews" needs no scan of products. Stored as rows of
/// their own (table <c>user_review</c>), so adding a review costs the same however many came before.</summary>
public interface IUserReviewsGrain : IGrainWithStringKey
{
    /// <summary>The largest page <see cref="Page"/> returns.</summary>
    public const int MaxPageSize = 1_000;

    /// <summary>Records a review by this user: one insert, durable when the task completes. Idempotent on
    /// the review id.</summary>
    Task Add(UserReview review, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> (1–<see cref="MaxPageSize"/>) of this user's reviews, newest
    /// first. Pass the previous page's <see cref="UserReviewPage.Next"/> as <paramref name="after"/> for the
    /// next page; null for the first.</summary>
    Task<UserReviewPage> Page(int limit, UserReviewCursor? after, CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable]
public sealed record UserReview(
    [property: Id(0)] string ReviewId,
    [property: Id(1)] string ProductId,
    [property: Id(2)] int Rating,
    [property: Id(3)] string Text,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>Where a page of a user's reviews ended: the last review's time and id.</summary>
[GenerateSerializer, Immutable]
public sealed record UserReviewCursor(
    [property: Id(0)] DateTimeOffset CreatedAt,
    [property: Id(1)] string ReviewId);

/// <param name="Next">The cursor of the following page; null when this page is the last.</param>
[GenerateSerializer, Immutable]
public sealed record UserReviewPage(
    [property: Id(0)] IReadOnlyList<UserReview> Items,
    [property: Id(1)] UserReviewCursor? Next);
