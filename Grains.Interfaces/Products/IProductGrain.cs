namespace OrleansScale.Products;

/// <summary>The product aggregate: details, prices, pictures, the newest reviews and exact rating
/// statistics, held in memory in one activation and written through to storage. Its JSON is rendered
/// once per change, so a read hands out ready bytes and costs no database round trip.</summary>
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>The aggregate as served to clients, from memory; null if the product does not exist or
    /// was deleted.</summary>
    ValueTask<ProductSnapshot?> Get();

    /// <summary>True when the product exists and is not deleted. Served from memory.</summary>
    ValueTask<bool> Exists();

    /// <summary>Creates the product at version 1; durable when the task completes. Null if this id was
    /// ever used before.</summary>
    Task<ProductSnapshot?> Create(ProductDetails details);

    /// <summary>Replaces the details (not the reviews), adding one to the version; durable when the task
    /// completes. With <paramref name="expectedVersion"/> the change only happens at that version.</summary>
    Task<ProductWrite> Replace(ProductDetails details, long? expectedVersion);

    /// <summary>Deletes the product: from then on it answers as unknown everywhere. Durable when the
    /// task completes.</summary>
    Task<ProductWriteOutcome> Delete(long? expectedVersion);

    /// <summary>Adds a review by a user; at most one per user and product. Durable when the task completes;
    /// the user's review index and activity follow as queued work.</summary>
    Task<ReviewWrite> AddReview(NewReview review);

    /// <summary>A page of every review, newest first; null if the product does not exist.</summary>
    Task<ReviewList?> Reviews(int page, int pageSize);
}

[GenerateSerializer, Immutable]
public sealed record Price(
    [property: Id(0)] string Currency,
    [property: Id(1)] decimal Amount);

/// <summary>What an administrator writes: everything but the reviews.</summary>
[GenerateSerializer, Immutable]
public sealed record ProductDetails(
    [property: Id(0)] string Name,
    [property: Id(1)] string Description,
    [property: Id(2)] string Category,
    [property: Id(3)] IReadOnlyList<Price> Prices,
    [property: Id(4)] IReadOnlyList<string> Pictures);

/// <summary>The aggregate's current version and its UTF-8 JSON. The bytes are never changed after they
/// are rendered, so they cross the grain boundary uncopied.</summary>
[GenerateSerializer, Immutable]
public sealed record ProductSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] byte[] Json);

public enum ProductWriteOutcome { Done, NotFound, VersionMismatch }

[GenerateSerializer, Immutable]
public sealed record ProductWrite(
    [property: Id(0)] ProductWriteOutcome Outcome,
    [property: Id(1)] ProductSnapshot? Product);

[GenerateSerializer, Immutable]
public sealed record NewReview(
    [property: Id(0)] string UserId,
    [property: Id(1)] int Rating,
    [property: Id(2)] string Text);

[GenerateSerializer, Immutable]
public sealed record ReviewView(
    [property: Id(0)] string Id,
    [property: Id(1)] string UserId,
    [property: Id(2)] int Rating,
    [property: Id(3)] string Text,
    [property: Id(4)] DateTimeOffset CreatedAt);

public enum ReviewOutcome { Created, NotFound, AlreadyReviewed }

[GenerateSerializer, Immutable]
public sealed record ReviewWrite(
    [property: Id(0)] ReviewOutcome Outcome,
    [property: Id(1)] ReviewView? Review);

[GenerateSerializer, Immutable]
public sealed record ReviewList(
    [property: Id(0)] IReadOnlyList<ReviewView> Items,
    [property: Id(1)] int Page,
    [property: Id(2)] int PageSize,
    [property: Id(3)] long Total);
