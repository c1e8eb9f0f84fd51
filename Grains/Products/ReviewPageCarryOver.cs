using Orleans.Storage;

namespace OrleansScale.Products;

/// <summary>Moves a product's reviews from the review-page documents they were stored in before
/// <c>product_review</c> into its rows. Each page goes the way of <see cref="SingleDocumentCarryOver"/>:
/// read, its counted reviews inserted (a row already there is kept), then the page deleted, so a move cut
/// short is repeated by the next activation and loses nothing. A slot at or past the product's review
/// count belonged to an attempt that died before the product counted it, and is dropped.</summary>
static class ReviewPageCarryOver
{
    /// <summary>The state name and grain type of the pages, keyed "{productId}/{page}".</summary>
    const string PageState = "review-page";

    /// <summary>Reviews per page: review number n was slot n % 50 of page n / 50.</summary>
    const int PageSize = 50;

    /// <summary>Pages read at once.</summary>
    const int Parallel = 8;

    /// <summary>Returns how many counted reviews the pages held (and the rows now hold).</summary>
    public static async Task<int> Move(IGrainStorage storage, ProductReviewDatabase reviews, string productId,
        long reviewCount, CancellationToken cancellationToken)
    {
        var pages = Enumerable.Range(0, (int)((reviewCount + PageSize - 1) / PageSize));
        var moved = 0;
        foreach (var batch in pages.Chunk(Parallel))
        {
            var counts = await Task.WhenAll(batch.Select(page => SingleDocumentCarryOver.Move<ReviewPageState, (long, ReviewView)>(
                storage, PageState, GrainId.Create(PageState, $"{productId}/{page}"),
                old => [.. old.Reviews.Select((review, slot) => ((long)page * PageSize + slot, review)).Where(r => r.Item1 < reviewCount)],
                counted => reviews.InsertCarriedOver(productId, counted, cancellationToken),
                cancellationToken)));
            moved += counts.Sum(count => count ?? 0);
        }
        return moved;
    }
}

/// <summary>One page of a product's reviews as stored before <c>product_review</c> (state "review-page"): up
/// to 50 reviews in acceptance order. No longer written: <see cref="ReviewPageCarryOver"/> reads it once,
/// then deletes it. Kept under its old name, because the stored JSON names this type.</summary>
[GenerateSerializer]
public sealed class ReviewPageState
{
    [Id(0)] public List<ReviewView> Reviews { get; set; } = [];
}
