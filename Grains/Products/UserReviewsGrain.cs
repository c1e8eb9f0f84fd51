using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace OrleansScale.Products;

/// <summary>A user's review index. Its reviews are rows of <c>user_review</c>, not a grain-state document:
/// adding one is one idempotent insert, so the 10,000th review costs what the first did, and nothing the
/// grain stores grows with the user's history. It keeps nothing in memory, so its calls interleave: a
/// prolific reviewer's inserts run side by side, not one after the other.</summary>
[GrainType("user-reviews")]
[Orleans.Concurrency.Reentrant]
public sealed partial class UserReviewsGrain(
    UserReviewDatabase database,
    [FromKeyedServices(StorageNames.Main)] IGrainStorage storage,
    ILogger<UserReviewsGrain> logger) : Grain, IUserReviewsGrain
{
    /// <summary>The state name of the index when it was one document (<see cref="UserReviewsState"/>).</summary>
    const string SingleDocumentState = "user-reviews";

    /// <summary>How many carried-over reviews go into one insert.</summary>
    const int CarryOverBatch = 1_000;

    string UserId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => CarryOverSingleDocument(cancellationToken);

    /// <summary>Moves an index stored as one document into the rows, then deletes the document. The inserts
    /// are idempotent and the document goes last, so an activation that dies half-way repeats the move.</summary>
    async Task CarryOverSingleDocument(CancellationToken cancellationToken)
    {
        var moved = await SingleDocumentCarryOver.Move<UserReviewsState, UserReview>(
            storage, SingleDocumentState, this.GetGrainId(), old => old.Reviews,
            async reviews =>
            {
                foreach (var batch in reviews.Chunk(CarryOverBatch))
                    await database.Insert(UserId, batch, cancellationToken);
            },
            cancellationToken);
        if (moved is { } count)
            LogCarriedOver(UserId, count);
    }

    public Task Add(UserReview review, CancellationToken cancellationToken) =>
        database.Insert(UserId, [review], cancellationToken);

    public Task<UserReviewPage> Page(int limit, UserReviewCursor? after, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, IUserReviewsGrain.MaxPageSize);
        return database.Page(UserId, limit, after, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Review index of user {UserId}: {Count} reviews moved from the single document into user_review")]
    partial void LogCarriedOver(string userId, int count);
}

/// <summary>A user's review index as it was stored before <c>user_review</c>: every review in one document
/// (state "user-reviews"). No longer written: <see cref="UserReviewsGrain"/> reads it once to carry it over,
/// then deletes it. Kept under its old name, because the stored JSON names this type.</summary>
[GenerateSerializer]
public sealed class UserReviewsState
{
    [Id(0)] public List<UserReview> Reviews { get; set; } = [];
}

public static class UserReviewSetup
{
    /// <summary>The review index's data source on the primary, its pool bounded by
    /// <see cref="UserReviewDatabase.MaxConnections"/>.</summary>
    public static IServiceCollection AddUserReviewIndex(this IServiceCollection services, string connectionString) =>
        services.AddSingleton(_ => UserReviewDatabase.Create(connectionString));
}
