namespace OrleansScale.Products;

[GrainType("user-reviews")]
public sealed class UserReviewsGrain(
    [PersistentState("user-reviews", StorageNames.Main)] IPersistentState<UserReviewsState> state) : Grain, IUserReviewsGrain
{
    // The ids already recorded, so a re-delivered review is recognised without a scan.
    HashSet<string> ids = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ids = state.State.Reviews.Select(r => r.ReviewId).ToHashSet();
        return Task.CompletedTask;
    }

    public async Task Add(UserReview review)
    {
        var reviews = state.State.Reviews;
        if (!ids.Add(review.ReviewId))
            return;
        // Kept newest first; deliveries may arrive out of order across products, so insert by time.
        var at = reviews.FindIndex(r => r.CreatedAt < review.CreatedAt);
        reviews.Insert(at < 0 ? reviews.Count : at, review);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            ids.Remove(review.ReviewId);
            reviews.Remove(review);
            throw;
        }
    }

    public ValueTask<IReadOnlyList<UserReview>> List() => ValueTask.FromResult<IReadOnlyList<UserReview>>(state.State.Reviews.ToList());
}

[GenerateSerializer]
public sealed class UserReviewsState
{
    [Id(0)] public List<UserReview> Reviews { get; set; } = [];
}
