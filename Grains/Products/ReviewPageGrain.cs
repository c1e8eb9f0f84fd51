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

[GenerateSerializer]
public sealed class ReviewPageState
{
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

[GenerateSerializer]
public sealed class ReviewClaimState
{
    [Id(0)] public ReviewClaim? Claim { get; set; }
}
