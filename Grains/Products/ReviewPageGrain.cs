namespace OrleansScale.Products;

[GrainType("review-page")]
public sealed class ReviewPageGrain(
    [PersistentState("review-page", StorageNames.Main)] IPersistentState<ReviewPageState> state) : Grain, IReviewPageGrain
{
    public async Task Put(int slot, ReviewView review)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, ReviewPages.Size);
        var reviews = state.State.Reviews;
        // Slots fill in order; a slot at or below the count is an overwrite of an uncommitted review.
        if (slot > reviews.Count)
            throw new InvalidOperationException($"Review slot {slot} of page {this.GetPrimaryKeyString()} skips slots.");
        if (slot == reviews.Count)
            reviews.Add(review);
        else
            reviews[slot] = review;
        await state.WriteStateAsync();
    }

    public ValueTask<IReadOnlyList<ReviewView>> Range(int from, int to)
    {
        var reviews = state.State.Reviews;
        from = Math.Clamp(from, 0, reviews.Count);
        to = Math.Clamp(to, from, reviews.Count);
        return ValueTask.FromResult<IReadOnlyList<ReviewView>>(reviews.GetRange(from, to - from));
    }
}

/// <summary>One page of a product's reviews (state "review-page"): at most <see cref="ReviewPages.Size"/>
/// (50) reviews, each of at most <see cref="ProductLimits.MaxReviewTextLength"/> (2,000) characters; the
/// next review opens the next page.</summary>
[GenerateSerializer]
public sealed class ReviewPageState
{
    /// <summary>One stored review: its text at the limit, ids, rating and time.</summary>
    public const int MaxReviewBytes = StoredSize.Object + ProductLimits.MaxReviewTextLength * StoredSize.BytesPerChar;

    public const int MaxStoredBytes = StoredSize.Object + ReviewPages.Size * MaxReviewBytes;

    [Id(0)] public List<ReviewView> Reviews { get; set; } = [];
}

[GrainType("review-claim")]
public sealed class ReviewClaimGrain(
    [PersistentState("review-claim", StorageNames.Main)] IPersistentState<ReviewClaimState> state) : Grain, IReviewClaimGrain
{
    public ValueTask<ReviewClaim?> Get() => ValueTask.FromResult(state.State.Claim);

    public async Task Set(ReviewClaim claim)
    {
        state.State.Claim = claim;
        await state.WriteStateAsync();
    }
}

/// <summary>Which review a user wrote of a product (state "review-claim"): one review number and id,
/// replaced, never appended to.</summary>
[GenerateSerializer]
public sealed class ReviewClaimState
{
    public const int MaxStoredBytes = 2 * StoredSize.Object;

    [Id(0)] public ReviewClaim? Claim { get; set; }
}
