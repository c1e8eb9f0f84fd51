using Orleans.Storage;
using OrleansScale.Products;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Storage;

namespace OrleansScale.Tests.Products;

/// <summary>A product's reviews are rows of <c>product_review</c>; the product document's review count is
/// the commit point. A review whose product write failed leaves nothing that counts, and reviews stored in
/// the review pages of earlier versions move into rows.</summary>
public sealed class ReviewStorageTests(StorageFaultFixture fixture) : IClassFixture<StorageFaultFixture>
{
    IGrainFactory Grains => fixture.Cluster.Client;
    StoredDocuments Stored => new(fixture);

    [Fact]
    public async Task A_review_whose_product_write_failed_counts_nowhere_and_its_number_goes_to_the_next_review()
    {
        var id = Guid.NewGuid().ToString("N");
        var product = Grains.GetGrain<IProductGrain>(id);
        await product.Create(new ProductDetails("Failing review", "", "reviews", new List<Price> { new("USD", 1) }, new List<string>()));
        StorageFaults.FailWrites("product", id, 1);

        await Assert.ThrowsAnyAsync<Exception>(() => product.AddReview(new NewReview("ann", 1, "never counted")));

        // Another user's review takes the number Ann's attempt left behind; Ann may then review after all.
        Assert.Equal(ReviewOutcome.Created, (await product.AddReview(new NewReview("bob", 4, "first counted"))).Outcome);
        Assert.Equal(ReviewOutcome.Created, (await product.AddReview(new NewReview("ann", 5, "second counted"))).Outcome);
        Assert.Equal(ReviewOutcome.AlreadyReviewed, (await product.AddReview(new NewReview("ann", 2, "once only"))).Outcome);

        var list = await product.Reviews(1, 10);
        Assert.Equal(2, list!.Total);
        Assert.Equal(["second counted", "first counted"], list.Items.Select(r => r.Text));
        Assert.Equal(2, await fixture.Database.Scalar<long>($"SELECT count(*) FROM product_review WHERE product_id = '{id}'"));
        var stored = (await product.Get())!;
        Assert.Equal(3, stored.Version); // created, then two reviews
    }

    [Fact]
    public async Task Reviews_in_the_pages_of_an_earlier_version_move_into_rows_and_still_allow_one_review_per_user()
    {
        var id = Guid.NewGuid().ToString("N");
        var storage = Stored.Storage(StorageNames.Main);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var counted = Enumerable.Range(0, 70)
            .Select(n => new ReviewView($"old-{n:D3}", $"user-{n}", 1 + n % 5, $"review {n}", start.AddMinutes(n))).ToList();
        // Slot 70 holds an attempt that died before the product counted it.
        var uncounted = new ReviewView("old-late", "user-late", 1, "never counted", start.AddMinutes(70));
        await WritePage(storage, id, 0, counted[..50]);
        await WritePage(storage, id, 1, [.. counted[50..], uncounted]);
        await storage.WriteStateAsync("product", GrainId.Create("product", id), new GrainState<ProductState>(new ProductState
        {
            Details = new ProductDetails("Reviewed before rows", "", "reviews", new List<Price> { new("USD", 1) }, new List<string>()),
            Version = 71,
            CreatedAt = start,
            UpdatedAt = start.AddMinutes(69),
            Recent = [.. counted.AsEnumerable().Reverse().Take(ProductGrain.RecentReviews)],
            ReviewCount = counted.Count,
            RatingSum = counted.Sum(r => r.Rating),
        }));
        // A move cut short: one review is already a row.
        await fixture.Database.Execute($"""
            INSERT INTO product_review (product_id, number, review_id, user_id, rating, text, created_at)
            VALUES ('{id}', 7, 'old-007', 'user-7', 3, 'review 7', '{start.AddMinutes(7):O}')
            """);

        var product = Grains.GetGrain<IProductGrain>(id);
        var list = await product.Reviews(1, 100);

        Assert.Equal(70, list!.Total);
        Assert.Equal(counted.AsEnumerable().Reverse().Select(r => r.Id), list.Items.Select(r => r.Id));
        Assert.Equal(counted[69], list.Items[0]);
        Assert.Null(await Stored.Bytes("review-page", $"{id}/0"));
        Assert.Null(await Stored.Bytes("review-page", $"{id}/1"));
        Assert.Equal(70, await fixture.Database.Scalar<long>($"SELECT count(*) FROM product_review WHERE product_id = '{id}'"));

        Assert.Equal(ReviewOutcome.AlreadyReviewed, (await product.AddReview(new NewReview("user-7", 5, "again"))).Outcome);
        Assert.Equal(ReviewOutcome.Created, (await product.AddReview(new NewReview("user-late", 5, "counted now"))).Outcome);
        var newest = await product.Reviews(1, 2);
        Assert.Equal(71, newest!.Total);
        Assert.Equal(["counted now", "review 69"], newest.Items.Select(r => r.Text));
    }

    [Fact]
    public async Task A_page_within_the_newest_20_reviews_is_served_from_memory_and_an_older_one_from_the_rows()
    {
        var id = Guid.NewGuid().ToString("N");
        var product = Grains.GetGrain<IProductGrain>(id);
        await product.Create(new ProductDetails("Many reviews", "", "reviews", new List<Price> { new("USD", 1) }, new List<string>()));
        for (var i = 0; i < 30; i++)
            Assert.Equal(ReviewOutcome.Created, (await product.AddReview(new NewReview($"reader-{i}", 1 + i % 5, $"review {i}"))).Outcome);

        using var log = new NpgsqlCommandLog();
        var first = await product.Reviews(1, 20);
        var second = await product.Reviews(2, 5);
        var fromMemory = log.Touching("product_review");
        var third = await product.Reviews(3, 10);

        Assert.Equal(Enumerable.Range(10, 20).Reverse().Select(i => $"review {i}"), first!.Items.Select(r => r.Text));
        Assert.Equal(Enumerable.Range(20, 5).Reverse().Select(i => $"review {i}"), second!.Items.Select(r => r.Text));
        Assert.Empty(fromMemory);
        Assert.Equal(Enumerable.Range(0, 10).Reverse().Select(i => $"review {i}"), third!.Items.Select(r => r.Text));
        Assert.Single(log.Touching("product_review"));
    }

    static Task WritePage(IGrainStorage storage, string productId, int page, List<ReviewView> reviews) =>
        storage.WriteStateAsync("review-page", GrainId.Create("review-page", $"{productId}/{page}"),
            new GrainState<ReviewPageState>(new ReviewPageState { Reviews = reviews }));
}
