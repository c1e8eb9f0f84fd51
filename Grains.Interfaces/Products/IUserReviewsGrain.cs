namespace OrleansScale.Products;

/// <summary>The reviews one user has written, keyed by the user id: an index kept by the product
/// aggregate when it accepts a review, so "this user's reviews" needs no scan of products.</summary>
public interface IUserReviewsGrain : IGrainWithStringKey
{
    /// <summary>Records a review by this user. Idempotent on the review id.</summary>
    Task Add(UserReview review);

    /// <summary>Every review of this user, newest first, served from memory.</summary>
    ValueTask<IReadOnlyList<UserReview>> List();
}

[GenerateSerializer, Immutable]
public sealed record UserReview(
    [property: Id(0)] string ReviewId,
    [property: Id(1)] string ProductId,
    [property: Id(2)] int Rating,
    [property: Id(3)] string Text,
    [property: Id(4)] DateTimeOffset CreatedAt);
