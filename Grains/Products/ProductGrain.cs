using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Storage;
using OrleansScale.Caching;
using OrleansScale.Queue;

namespace OrleansScale.Products;

/// <summary>The product aggregate. Placed on the silo where its first call arrives: an Orleans client
/// sends every call for one grain through the same gateway (its per-grain buckets), so a product first
/// read through an API process lives on the gateway that process uses for it, and that process's reads
/// skip the gateway-to-silo hop that random placement costs half of them on two silos.</summary>
[GrainType("product")]
[PreferLocalPlacement]
public sealed partial class ProductGrain(
    [PersistentState("product", StorageNames.Main)] IPersistentState<ProductState> state,
    ProductReviewDatabase reviews,
    IOptions<ProductCacheRegistryOptions> cacheRegistry,
    [FromKeyedServices(StorageNames.Main)] IGrainStorage storage,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<ProductGrain> logger) : Grain, IProductGrain
{
    /// <summary>How many of the newest reviews the aggregate carries.</summary>
    public const int RecentReviews = 20;

    /// <summary>How many changes may wait in the outbox for the queue before the product refuses changes.</summary>
    public const int MaxUnpublishedChanges = 20;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };


    // Rendered once per change and handed out as is: reads do no serialisation of the aggregate.
    ProductSnapshot? snapshot;
    // Published since the last write: the stored outbox still holds events that are on the queue.
    bool outboxUnsaved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Details is not null && !state.State.ReviewsInRows)
            await CarryOverReviewPages(cancellationToken);
        snapshot = RenderStored();
        // Events written to the outbox but perhaps never published (the activation died in between) go
        // out again; consumers recognise repeats by version.
        if (state.State.Outbox.Count > 0)
        {
            await PublishOutbox(repeat: true);
            // Published events leave the outbox in memory only (storage catches up with the next change),
            // so without this write every later activation of an unchanged product would publish its
            // last change again: a queue message and two consumer activations per product read after
            // a restart. Best effort: if it fails, the next activation publishes once more, harmlessly.
            if (state.State.Outbox.Count == 0)
                await ForgetPublished();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Otherwise the next activation would publish the last change again. Not while the silo stops: the
        // other silos then activate this product while this activation still deactivates, and a write here
        // would turn the new activation's first change into a version conflict (a failed request). The
        // next activation publishing the last change once more is the cheaper price.
        if (outboxUnsaved && state.State.Outbox.Count == 0 && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
            await ForgetPublished();
    }

    /// <summary>A product stored before <c>product_review</c> keeps its reviews in review pages: they move
    /// into rows, and the document records that they did (a write, once per product).</summary>
    async Task CarryOverReviewPages(CancellationToken cancellationToken)
    {
        // Nothing to move: the mark goes out with the next change, and an unchanged product costs no write.
        state.State.ReviewsInRows = true;
        if (state.State.ReviewCount == 0)
            return;
        var moved = await ReviewPageCarryOver.Move(storage, reviews, this.GetPrimaryKeyString(), state.State.ReviewCount, cancellationToken);
        await state.WriteStateAsync(cancellationToken);
        LogReviewsCarriedOver(this.GetPrimaryKeyString(), moved);
    }

    async Task ForgetPublished()
    {
        try
        {
            await state.WriteStateAsync();
            outboxUnsaved = false;
        }
        catch (InconsistentStateException e)
        {
            // Another activation (one still deactivating on a stopping silo) wrote since this one read. What it
            // wrote is this product's latest acknowledged state; read it, so this activation's next change
            // builds on it instead of failing on the same conflict.
            LogForgetFailed(e, this.GetPrimaryKeyString());
            await state.ReadStateAsync();
            snapshot = RenderStored();
            outboxUnsaved = false;
            if (state.State.Outbox.Count > 0)
                await PublishOutbox(repeat: true);
        }
        catch (Exception e)
        {
            LogForgetFailed(e, this.GetPrimaryKeyString());
        }
    }

    public ValueTask<ProductSnapshot?> Get() => ValueTask.FromResult(snapshot);

    public ValueTask<bool> Exists() => ValueTask.FromResult(snapshot is not null);

    public async Task<ProductSnapshot?> Create(ProductDetails details)
    {
        if (state.State.Version != 0)
            return null;
        await PrepareChange();
        var now = clock.GetUtcNow();
        state.State.Details = details;
        state.State.CreatedAt = now;
        state.State.ReviewsInRows = true;
        await Commit(now, newReview: null);
        return snapshot;
    }

    public async Task<ProductWrite> Replace(ProductDetails details, long? expectedVersion)
    {
        if (snapshot is null)
            return new ProductWrite(ProductWriteOutcome.NotFound, null);
        if (expectedVersion is { } expected && expected != state.State.Version)
            return new ProductWrite(ProductWriteOutcome.VersionMismatch, snapshot);
        await PrepareChange();
        state.State.Details = details;
        await Commit(clock.GetUtcNow(), newReview: null);
        return new ProductWrite(ProductWriteOutcome.Done, snapshot);
    }

    public async Task<ProductWriteOutcome> Delete(long? expectedVersion)
    {
        if (snapshot is null)
            return ProductWriteOutcome.NotFound;
        if (expectedVersion is { } expected && expected != state.State.Version)
            return ProductWriteOutcome.VersionMismatch;
        await PrepareChange();
        // A tombstone, not a cleared row: the version keeps growing, so the projection orders the delete
        // after every earlier change, and the id is never reused.
        state.State.Deleted = true;
        await Commit(clock.GetUtcNow(), newReview: null);
        return ProductWriteOutcome.Done;
    }

    public async Task<ReviewWrite> AddReview(NewReview review)
    {
        if (snapshot is null)
            return new ReviewWrite(ReviewOutcome.NotFound, null);
        await PrepareChange();
        var s = state.State;
        var number = s.ReviewCount;
        var accepted = new ReviewView(Guid.NewGuid().ToString("N"), review.UserId, review.Rating, review.Text, clock.GetUtcNow());
        // The row, then the aggregate, which is the commit point. If we die in between, the row holds a
        // number the aggregate never counted: no reader asks for it, and the next review takes its number.
        if (!await reviews.TryAdd(this.GetPrimaryKeyString(), number, accepted))
            return new ReviewWrite(ReviewOutcome.AlreadyReviewed, null);

        s.ReviewCount = number + 1;
        s.RatingSum += review.Rating;
        s.Recent.Insert(0, accepted);
        if (s.Recent.Count > RecentReviews)
            s.Recent.RemoveRange(RecentReviews, s.Recent.Count - RecentReviews);
        await Commit(accepted.CreatedAt, accepted);
        return new ReviewWrite(ReviewOutcome.Created, accepted);
    }

    public async Task<ReviewList?> Reviews(int page, int pageSize)
    {
        if (snapshot is null)
            return null;
        var total = state.State.ReviewCount;
        // Newest first: position i of the list is review number total - 1 - i.
        var first = (long)(page - 1) * pageSize;
        if (first >= total)
            return new ReviewList([], page, pageSize, total);
        var newest = total - 1 - first;
        var oldest = Math.Max(0, newest - pageSize + 1);
        var count = (int)(newest - oldest + 1);
        // The newest reviews are in the aggregate, newest first: the first page, the one nearly every reader
        // asks for, costs no database round trip.
        if (first + count <= state.State.Recent.Count)
            return new ReviewList(state.State.Recent.GetRange((int)first, count), page, pageSize, total);
        var items = await reviews.Range(this.GetPrimaryKeyString(), oldest, newest);
        return new ReviewList(items, page, pageSize, total);
    }

    /// <summary>Bumps the version, writes the document with the change's event in its outbox, renders the
    /// new JSON, then publishes. The write is the acknowledgement; publishing is retried from the outbox.</summary>
    async Task Commit(DateTimeOffset now, ReviewView? newReview)
    {
        var s = state.State;
        s.Version++;
        s.UpdatedAt = now;
        s.Outbox.Add(Change(newReview));
        try
        {
            await state.WriteStateAsync();
            outboxUnsaved = false;
        }
        catch
        {
            // Storage refused the write: forget the in-memory change so memory never runs ahead of storage
            // (and never write it on deactivation either).
            outboxUnsaved = false;
            DeactivateOnIdle();
            snapshot = null;
            throw;
        }
        snapshot = s.Deleted ? null : Render();
        await PublishOutbox(repeat: false);
    }

    /// <summary>What every change does before it changes anything, so that a refusal leaves nothing changed:
    /// makes room in the outbox and announces the next version to the near caches.</summary>
    async Task PrepareChange()
    {
        await EnsureOutboxRoom();
        await AnnounceToNearCaches(state.State.Version + 1);
    }

    /// <summary>A product whose changes cannot be queued stops taking changes rather than let its outbox, and
    /// so its document, grow: the change is refused before anything is changed.</summary>
    async Task EnsureOutboxRoom()
    {
        if (state.State.Outbox.Count < MaxUnpublishedChanges)
            return;
        await PublishOutbox(repeat: false);
        if (state.State.Outbox.Count >= MaxUnpublishedChanges)
            throw new QueueUnavailableException(
                $"Product {this.GetPrimaryKeyString()} holds {state.State.Outbox.Count} changes that could not be queued yet.");
    }

    /// <summary>Before the change is written, every API process drops its copy, or its registry partition waits
    /// until it can no longer serve one; so no read after the acknowledgement answers an older version, and
    /// a read between this and the write asks the grain, which answers it after the write. An announcement
    /// that cannot be confirmed refuses the change before anything is changed: the caller gets an error
    /// instead of an acknowledgement that some process would contradict.</summary>
    async Task AnnounceToNearCaches(long version)
    {
        var productId = this.GetPrimaryKeyString();
        var registry = GrainFactory.GetGrain<IProductCacheRegistryGrain>(
            ProductCachePartition.Of(productId, cacheRegistry.Value.RegistryPartitions));
        try
        {
            await CopyAnnouncement.Send(() => registry.ProductChanging(productId, version));
        }
        catch (Exception e)
        {
            LogAnnounceFailed(e, productId, version);
            throw new ProductCacheUnavailableException(
                $"The change of product {productId} to version {version} could not be announced to the API processes' caches; nothing was changed.", e);
        }
    }

    /// <param name="repeat">The events come from the stored outbox of an earlier activation, which may have
    /// published them already.</param>
    async Task PublishOutbox(bool repeat)
    {
        try
        {
            while (state.State.Outbox.Count > 0)
            {
                await this.PublishToQueue(ProductChanges.Namespace, this.GetPrimaryKeyString(), state.State.Outbox[0], repeat);
                // Removed in memory only; storage catches up with the next write or the deactivation. A
                // reactivation after a crash publishes it again, which the consumers tolerate.
                state.State.Outbox.RemoveAt(0);
                outboxUnsaved = true;
            }
        }
        catch (Exception e)
        {
            // The change itself is durable; its event stays in the outbox and goes out with the next
            // change or activation.
            LogPublishFailed(e, this.GetPrimaryKeyString(), state.State.Outbox.Count);
        }
    }

    ProductChanged Change(ReviewView? newReview)
    {
        var s = state.State;
        var d = s.Details!;
        return new ProductChanged(this.GetPrimaryKeyString(), s.Version, s.Deleted, d.Name, d.Category, d.Prices,
            Average(s), s.ReviewCount, s.CreatedAt, s.UpdatedAt, newReview);
    }

    static double Average(ProductState s) => s.ReviewCount == 0 ? 0 : Math.Round((double)s.RatingSum / s.ReviewCount, 2);

    /// <summary>What reads get for the state as loaded: nothing for a product never created or deleted.</summary>
    ProductSnapshot? RenderStored() => state.State.Details is not null && !state.State.Deleted ? Render() : null;

    ProductSnapshot Render()
    {
        var s = state.State;
        var d = s.Details!;
        var view = new ProductJson(this.GetPrimaryKeyString(), d.Name, d.Description, d.Category,
            d.Prices, d.Pictures, s.Recent, new RatingJson(Average(s), s.ReviewCount), s.Version);
        return new ProductSnapshot(s.Version, JsonSerializer.SerializeToUtf8Bytes(view, Json));
    }

    sealed record ProductJson(string Id, string Name, string Description, string Category, IReadOnlyList<Price> Prices,
        IReadOnlyList<string> Pictures, IReadOnlyList<ReviewView> Reviews, RatingJson Rating, long Version);

    sealed record RatingJson(double Average, long Count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Product {ProductId}: {Count} reviews moved from review pages into product_review")]
    partial void LogReviewsCarriedOver(string productId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Product {ProductId} could not store its emptied outbox; its next activation publishes its last change again")]
    partial void LogForgetFailed(Exception exception, string productId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing version {Version} of product {ProductId} to the API near caches failed; the change is refused")]
    partial void LogAnnounceFailed(Exception exception, string productId, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the change of product {ProductId} failed; {Pending} events stay in its outbox")]
    partial void LogPublishFailed(Exception exception, string productId, int pending);
}

/// <summary>A product aggregate (state "product"). Bounded by the product contract's limits
/// (<see cref="ProductLimits"/>: name 200, description 5,000 and category 50 characters, 10 prices, 20
/// picture addresses of 2,000 characters), the newest <see cref="ProductGrain.RecentReviews"/> (20) reviews
/// of at most 2,000 characters, and an outbox of at most <see cref="ProductGrain.MaxUnpublishedChanges"/>
/// (20) events, each with at most one review. The review count and rating sum are numbers: the document does
/// not grow with the number of reviews or changes (every review is a row of <c>product_review</c>).</summary>
[GenerateSerializer]
public sealed class ProductState
{
    /// <summary>The details: names and texts at their limits, every price and picture.</summary>
    public const int MaxDetailsBytes = StoredSize.Object
        + (ProductLimits.MaxNameLength + ProductLimits.MaxDescriptionLength + ProductLimits.MaxCategoryLength) * StoredSize.BytesPerChar
        + ProductLimits.MaxPrices * StoredSize.Entry
        + ProductLimits.MaxPictures * ProductLimits.MaxPictureUrlLength * StoredSize.BytesPerChar;

    /// <summary>One outbox event: the catalog row (name, category, prices) and at most one review.</summary>
    public const int MaxChangeBytes = StoredSize.Object
        + (ProductLimits.MaxNameLength + ProductLimits.MaxCategoryLength) * StoredSize.BytesPerChar
        + ProductLimits.MaxPrices * StoredSize.Entry
        + MaxReviewBytes;

    /// <summary>One review: its text at the limit, ids, rating and time.</summary>
    public const int MaxReviewBytes = StoredSize.Object + ProductLimits.MaxReviewTextLength * StoredSize.BytesPerChar;

    public const int MaxStoredBytes = StoredSize.Object + MaxDetailsBytes
        + ProductGrain.RecentReviews * MaxReviewBytes
        + ProductGrain.MaxUnpublishedChanges * MaxChangeBytes;

    [Id(0)] public ProductDetails? Details { get; set; }
    [Id(1)] public long Version { get; set; }
    [Id(2)] public bool Deleted { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The newest reviews, newest first, at most <see cref="ProductGrain.RecentReviews"/>.</summary>
    [Id(5)] public List<ReviewView> Recent { get; set; } = [];
    [Id(6)] public long ReviewCount { get; set; }
    [Id(7)] public long RatingSum { get; set; }
    /// <summary>Changes durable here but perhaps not yet on the queue.</summary>
    [Id(8)] public List<ProductChanged> Outbox { get; set; } = [];
    /// <summary>Whether the reviews are rows of <c>product_review</c>: false for a product stored before
    /// that table, whose reviews are still in review pages until its next activation moves them.</summary>
    [Id(9)] public bool ReviewsInRows { get; set; }
}
