namespace OrleansScale.Products;

[GrainType("user-reviews")]
public sealed class UserReviewsGrain(
    [PersistentState("user-reviews", StorageNames.Main)] IPersistentState<UserReviewsState> state) : Grain, IUserReviewsGrain
{
    public async Task Add(UserReview review)
    {
        var reviews = state.State.Reviews;
        if (reviews.Any(r => r.ReviewId == review.ReviewId))
            return;
        // Kept newest first; deliveries may arrive out of order across products, so insert by time.
        var at = reviews.FindIndex(r => r.CreatedAt < review.CreatedAt);
        reviews.Insert(at < 0 ? reviews.Count : at, review);
        await state.WriteStateAsync();
    }

    public ValueTask<IReadOnlyList<UserReview>> List() => ValueTask.FromResult<IReadOnlyList<UserReview>>(state.State.Reviews.ToList());
}

[GenerateSerializer]
public sealed class UserReviewsState
{
    [Id(0)] public List<UserReview> Reviews { get; set; } = [];
}
