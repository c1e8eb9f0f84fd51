namespace OrleansScale.Products;

/// <summary>One page of a product's reviews in the order they were accepted, keyed "{productId}/{n}":
/// review number s of the product lives in page s / <see cref="ReviewPages.Size"/>. Pages keep the
/// product document small however many reviews it gets. Only the product grain writes them.</summary>
public interface IReviewPageGrain : IGrainWithStringKey
{
    /// <summary>Stores a review at its slot (its number within the page); writing a slot again
    /// overwrites it. Durable when the task completes.</summary>
    Task Put(int slot, ReviewView review);

    /// <summary>The reviews of the slots [from, to), in slot order, served from memory.</summary>
    ValueTask<IReadOnlyList<ReviewView>> Range(int from, int to);
}

public static class ReviewPages
{
    /// <summary>Reviews per stored page. Part of the storage layout: changing it moves reviews between keys.</summary>
    public const int Size = 50;

    public static string Key(string productId, long page) => $"{productId}/{page}";
}

/// <summary>The one review a user may write of a product, keyed "{productId}/{userId}". The product grain
/// claims it before it stores a review, so "has this user reviewed this product?" needs no set of every
/// reviewer in the product document.</summary>
public interface IReviewClaimGrain : IGrainWithStringKey
{
    /// <summary>The claimed review's number and id, if any.</summary>
    ValueTask<ReviewClaim?> Get();

    /// <summary>Records the claim, replacing any earlier one. Durable when the task completes.</summary>
    Task Set(ReviewClaim claim);
}

[GenerateSerializer, Immutable]
public sealed record ReviewClaim(
    [property: Id(0)] long Number,
    [property: Id(1)] string ReviewId);
