using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orleans.Storage;
using OrleansScale.Activities;
using OrleansScale.Articles;
using OrleansScale.Catalog;
using OrleansScale.Jobs;
using OrleansScale.Products;
using OrleansScale.Sessions;
using OrleansScale.Tests.Activities;
using OrleansScale.Tests.Catalog;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Jobs;
using OrleansScale.Tests.Products;
using OrleansScale.Tests.Users;
using OrleansScale.Users;

namespace OrleansScale.Tests.Storage;

/// <summary>A cluster whose limits are small enough to reach in a test: 100 friends, 20 listings per
/// registry, exports of at most 5 reviews and 16 KiB, activity lists of 20 items in pages of 10.</summary>
public sealed class BoundsFixture : ClusterFixture
{
    public static readonly FriendOptions Friends = new() { MaxFriends = 100 };
    public static readonly CatalogOptions Catalog = new() { MaxListingsPerRegistry = 20 };
    public static readonly ExportOptions Exports = new() { MaxReviews = 5, MaxResultBytes = 16 * 1024 };
    public static readonly ActivityOptions Activities = new() { Keep = 20, PageSize = 10 };

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Friends:MaxFriends", Friends.MaxFriends.ToString()),
        new("Catalog:MaxListingsPerRegistry", Catalog.MaxListingsPerRegistry.ToString()),
        new("Exports:MaxReviews", Exports.MaxReviews.ToString()),
        new("Exports:MaxResultBytes", Exports.MaxResultBytes.ToString()),
        new("Activities:Keep", Activities.Keep.ToString()),
        new("Activities:PageSize", Activities.PageSize.ToString()),
        new("Activities:FeedFlushInterval", "00:00:01"),
    ];

    /// <summary>Each state's bound with this cluster's settings.</summary>
    public static IReadOnlyDictionary<string, long> Bounds { get; } = DeclaredBounds.ByStateName(Friends, Catalog, Exports);
}

/// <summary>No stored document grows with history: each persisted state, driven with many events and
/// worst-case inputs, stays within the bound its class declares and stops growing.</summary>
public sealed partial class BoundedDocumentTests(BoundsFixture fixture) : IClassFixture<BoundsFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // A character the stored JSON writes as an escape (\u0001): the most bytes a character can take there,
    // and accepted by every text rule (it is not white space).
    const char Widest = '\u0001';

    static string Longest(int length) => new(Widest, length);

    IGrainFactory Grains => fixture.Cluster.Client;

    StoredDocuments Stored => new(fixture);

    static long Bound(string state) => BoundsFixture.Bounds[state];

    [Fact]
    public async Task A_users_review_index_costs_the_same_after_10000_reviews()
    {
        var user = Guid.NewGuid().ToString("N");
        var index = Grains.GetGrain<IUserReviewsGrain>(user);
        for (var i = 1; i < 100; i++)
            await index.Add(Review(i));
        using (var log = new NpgsqlCommandLog())
        {
            await index.Add(Review(100));
            var hundredth = log.Touching("user_review");
            // The 101st to the 9,999th straight into the table: what matters is how many rows are there.
            await fixture.Database.Scalar<int>($"""
                INSERT INTO user_review (user_id, review_id, product_id, rating, text, created_at)
                SELECT '{user}', 'r' || lpad(n::text, 5, '0'), 'p' || n, 1 + n % 5, repeat('x', 2000),
                       timestamptz '2020-01-01' + n * interval '1 minute'
                  FROM generate_series(101, 9999) AS n
                """);
            log.Clear();
            await index.Add(Review(10_000));
            var tenThousandth = log.Touching("user_review");

            Assert.Equal(10_000, await fixture.Database.Scalar<long>($"SELECT count(*) FROM user_review WHERE user_id = '{user}'"));
            // One statement that inserts the one review, the same for the 100th and the 10,000th, and no document.
            Assert.StartsWith("INSERT INTO user_review", Assert.Single(hundredth));
            Assert.Equal(hundredth, tenThousandth);
        }
        Assert.Null(await Stored.Bytes("user-reviews", user));

        // A repeat (re-delivery) adds nothing; the newest come first, a page at a time.
        await index.Add(Review(10_000));
        Assert.Equal(10_000, await fixture.Database.Scalar<long>($"SELECT count(*) FROM user_review WHERE user_id = '{user}'"));
        var first = await index.Page(3, null);
        Assert.Equal(["r10000", "r09999", "r09998"], first.Items.Select(r => r.ReviewId));
        var second = await index.Page(2, first.Next);
        Assert.Equal(["r09997", "r09996"], second.Items.Select(r => r.ReviewId));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => index.Page(IUserReviewsGrain.MaxPageSize + 1, null));

        static UserReview Review(int n) => new($"r{n:D5}", $"p{n}", 1 + n % 5, Longest(ProductLimits.MaxReviewTextLength),
            new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(n));
    }

    [Fact]
    public async Task A_review_index_stored_as_one_document_moves_into_rows_and_a_move_cut_short_is_repeated()
    {
        var user = Guid.NewGuid().ToString("N");
        var newest = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var reviews = Enumerable.Range(0, 2_500).Select(n => new UserReview($"old-{n:D4}", $"p{n}", 1 + n % 5, $"review {n}",
            newest.AddMinutes(-n))).ToList();
        var grainId = GrainId.Create("user-reviews", user);
        await Stored.Storage(StorageNames.Main).WriteStateAsync("user-reviews", grainId,
            new GrainState<UserReviewsState>(new UserReviewsState { Reviews = reviews }));
        // A move that died half-way: some rows are in, the document is still there.
        await fixture.Database.Scalar<int>($"""
            INSERT INTO user_review (user_id, review_id, product_id, rating, text, created_at)
            VALUES ('{user}', 'old-0007', 'p7', 3, 'review 7', '{newest.AddMinutes(-7):O}')
            """);
        Assert.NotNull(await Stored.Bytes("user-reviews", user));

        var page = await Grains.GetGrain<IUserReviewsGrain>(user).Page(IUserReviewsGrain.MaxPageSize, null);

        Assert.Equal(reviews.Take(IUserReviewsGrain.MaxPageSize).Select(r => r.ReviewId), page.Items.Select(r => r.ReviewId));
        Assert.Equal(reviews.Count, await fixture.Database.Scalar<long>($"SELECT count(*) FROM user_review WHERE user_id = '{user}'"));
        Assert.Null(await Stored.Bytes("user-reviews", user));
    }

    [Fact]
    public async Task An_authors_article_index_costs_the_same_after_10000_articles_and_an_old_document_moves_into_rows()
    {
        var author = Guid.NewGuid().ToString("N");
        var index = Grains.GetGrain<IAuthorArticlesGrain>(author);
        var old = Enumerable.Range(0, 99).Select(n => $"old-{n}").ToList();
        await Stored.Storage(StorageNames.Main).WriteStateAsync("author-articles", GrainId.Create("author-articles", author),
            new GrainState<AuthorArticlesState>(new AuthorArticlesState { Slugs = old }));

        Assert.Equal(old.Take(3), (await index.Page(3, null)).Slugs); // the activation moves the document

        using var log = new NpgsqlCommandLog();
        await index.Add("article-100");
        var hundredth = log.Touching("author_article");
        await fixture.Database.Scalar<int>($"""
            INSERT INTO author_article (author_id, slug) SELECT '{author}', 'bulk-' || n FROM generate_series(101, 9999) AS n
            """);
        log.Clear();
        await index.Add("article-10000");
        var tenThousandth = log.Touching("author_article");

        Assert.Null(await Stored.Bytes("author-articles", author));
        Assert.Equal(10_000, await fixture.Database.Scalar<long>($"SELECT count(*) FROM author_article WHERE author_id = '{author}'"));
        Assert.StartsWith("INSERT INTO author_article", Assert.Single(tenThousandth));
        Assert.Equal(hundredth, tenThousandth);
        // Oldest first, the carried-over slugs in their order before the newer ones.
        var first = await index.Page(100, null);
        Assert.Equal(old.Append("article-100"), first.Slugs);
        var slugs = new List<string>(first.Slugs);
        for (var next = first.Next; next is not null;)
        {
            var page = await index.Page(IAuthorArticlesGrain.MaxPageSize, next);
            slugs.AddRange(page.Slugs);
            next = page.Next;
        }
        Assert.Equal(10_000, slugs.Distinct().Count());
        Assert.Equal("article-10000", slugs[^1]);
    }

    [Fact]
    public async Task A_product_document_stays_within_its_bound_however_many_reviews_it_gets()
    {
        var id = Guid.NewGuid().ToString("N");
        var product = Grains.GetGrain<IProductGrain>(id);
        var prices = new[] { "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK" }
            .Select(c => new Price(c, 999_999_999.99m)).ToList();
        var pictures = Enumerable.Range(0, ProductLimits.MaxPictures).Select(_ => "https://e.example/" + Longest(ProductLimits.MaxPictureUrlLength - 18)).ToList();
        await product.Create(new ProductDetails(Longest(ProductLimits.MaxNameLength), Longest(ProductLimits.MaxDescriptionLength),
            new string('a', ProductLimits.MaxCategoryLength), prices, pictures));
        var sizes = new List<int>();
        for (var i = 0; i < 60; i++)
        {
            var written = await product.AddReview(new NewReview(Guid.NewGuid().ToString("N"), 5, Longest(ProductLimits.MaxReviewTextLength)));
            Assert.Equal(ReviewOutcome.Created, written.Outcome);
            sizes.Add(await Stored.ExistingBytes("product", id));
        }

        Assert.All(sizes, size => Assert.InRange(size, 1, Bound("product")));
        // Full from the 20th review on: the newest 20 and one outbox event, whatever came before.
        Assert.Equal(sizes[29], sizes[^1]);
        // Every review is a row of its own, none a document.
        Assert.Equal(60, await fixture.Database.Scalar<long>($"SELECT count(*) FROM product_review WHERE product_id = '{id}'"));
        await AssertEveryDocumentWithinItsBound();
    }

    [Fact]
    public async Task A_session_with_a_full_cart_stays_within_its_bound()
    {
        var products = Enumerable.Range(0, CartLimits.MaxLines + 1).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        await Task.WhenAll(products.Select(p => Grains.GetGrain<IProductGrain>(p).Create(
            new ProductDetails("Cart item", "", "cart", [new Price("USD", 1)], []))));
        var token = Guid.NewGuid().ToString("N");
        var session = Grains.GetGrain<ISessionGrain>(token);
        await session.Open(new SessionUser(Guid.NewGuid().ToString("N"), new string('u', UserLimits.MaxUserNameLength), false));

        foreach (var p in products.Take(CartLimits.MaxLines))
            Assert.Equal(CartOutcome.Done, (await session.SetCartLine(p, CartLimits.MaxQuantity)).Outcome);
        var full = await Stored.ExistingBytes("session", token);
        Assert.Equal(CartOutcome.TooManyLines, (await session.SetCartLine(products[^1], 1)).Outcome);
        for (var i = 0; i < 20; i++)
            await session.SetCartLine(products[i], CartLimits.MaxQuantity - 1);

        Assert.InRange(full, 1, Bound("session"));
        Assert.Equal(full, await Stored.ExistingBytes("session", token));
    }

    [Fact]
    public async Task Users_and_friends_stay_within_their_bounds_at_the_friend_limit()
    {
        var displayName = "D" + Longest(UserLimits.MaxDisplayNameLength - 1);
        var signedUp = await fixture.ApiA.Anonymous().PostAsJsonAsync("/api/users",
            new { userName = new string('n', UserLimits.MaxUserNameLength), displayName, password = new string('p', UserLimits.MaxPasswordLength) });
        Assert.Equal(HttpStatusCode.Created, signedUp.StatusCode);
        var userId = (await signedUp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.InRange(await Stored.ExistingBytes("user", userId), 1, Bound("user"));
        Assert.InRange(await Stored.ExistingBytes("credentials", new string('n', UserLimits.MaxUserNameLength)), 1, Bound("credentials"));

        var friends = await TestUsers.Create(Grains, BoundsFixture.Friends.MaxFriends + 1);
        await TestUsers.Befriend(Grains, userId, friends.Take(BoundsFixture.Friends.MaxFriends));
        var full = await Stored.ExistingBytes("friends", userId);
        Assert.Equal(FriendshipOutcome.TooManyFriends, await Grains.GetGrain<IFriendsGrain>(userId).Befriend(friends[^1]));
        // Churn: dropping and making friends does not leave anything behind.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(FriendshipOutcome.Done, await Grains.GetGrain<IFriendsGrain>(userId).Unfriend(friends[i]));
            Assert.Equal(FriendshipOutcome.Done, await Grains.GetGrain<IFriendsGrain>(userId).Befriend(friends[i]));
        }

        Assert.InRange(full, 1, Bound("friends"));
        Assert.Equal(full, await Stored.ExistingBytes("friends", userId));
    }

    [Fact]
    public async Task An_article_keeps_only_its_newest_version_and_a_page_that_would_render_huge_is_not_stored()
    {
        var author = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(author.Token);
        var slug = "bounded-" + Guid.NewGuid().ToString("N")[..12];
        var title = "T" + Longest(ArticleLimits.MaxTitleLength - 1);
        // Every ampersand renders as &amp;: five times the source, about the most ordinary Markdown grows.
        var ampersands = new string('&', ArticleLimits.MaxMarkdownBytes);
        var sizes = new List<int>();
        for (var version = 1; version <= 3; version++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsJsonAsync($"/api/articles/{slug}", new { title, markdown = ampersands }, Unescaped)).StatusCode);
            await AwaitRendered(slug, version);
            sizes.Add(await Stored.ExistingBytes("article", slug));
        }
        Assert.All(sizes, size => Assert.InRange(size, ArticleLimits.MaxMarkdownBytes * 5, Bound("article")));
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 16); // the version number and times only

        // A pipe table whose rows leave out their 200 cells renders each "|" line as 200 cells: 40 KB of
        // source would become 36 million characters of HTML.
        var header = "|" + string.Concat(Enumerable.Repeat("a|", 200)) + "\n|" + string.Concat(Enumerable.Repeat("-|", 200)) + "\n";
        var table = header + string.Concat(Enumerable.Repeat("|\n", 20_000));
        Assert.Equal(HttpStatusCode.Accepted, (await http.PutAsJsonAsync($"/api/articles/{slug}", new { title, markdown = table })).StatusCode);
        await AwaitRendered(slug, 4);
        var html = await fixture.ApiA.Anonymous().GetStringAsync($"/articles/{slug}");

        Assert.Contains("cannot be shown as a page", html);
        Assert.InRange(await Stored.ExistingBytes("article", slug), 1, Bound("article"));
    }

    // Sends '&' as it is rather than as \u0026, so the largest Markdown fits the request body limit.
    static readonly JsonSerializerOptions Unescaped = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    async Task AwaitRendered(string slug, int version) => await Await.Until(
        () => Grains.GetGrain<IArticleGrain>(slug).GetStatus().AsTask(), s => s?.RenderedVersion == version, Patience,
        $"article {slug} rendered at version {version}");

    [Fact]
    public async Task An_export_holds_the_newest_reviews_up_to_its_limit_and_one_larger_than_its_limit_fails_naming_the_setting()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        var index = Grains.GetGrain<IUserReviewsGrain>(user.UserId);
        for (var n = 0; n < 12; n++)
            await index.Add(new UserReview($"review-{n:D2}", $"p{n}", 4, "short", DateTimeOffset.UtcNow.AddMinutes(n)));

        var export = await RunExport(http, user.UserId, "succeeded");
        var result = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{export.GetProperty("id").GetString()}/result");
        Assert.Equal(["review-11", "review-10", "review-09", "review-08", "review-07"],
            result.GetProperty("reviews").EnumerateArray().Select(r => r.GetProperty("reviewId").GetString()));
        Assert.True(result.GetProperty("reviewsOmitted").GetBoolean());
        Assert.InRange(await Stored.ExistingBytes("job", export.GetProperty("id").GetString()!), 1, Bound("job"));
        Assert.InRange(await Stored.ExistingBytes("user-exports", user.UserId), 1, Bound("user-exports"));

        // An article bigger than the export may be.
        await http.PutAsJsonAsync($"/api/articles/large-{Guid.NewGuid().ToString("N")[..8]}",
            new { title = "Large", markdown = new string('m', BoundsFixture.Exports.MaxResultBytes) });
        var failed = await RunExport(http, user.UserId, "failed");

        Assert.Equal(1, failed.GetProperty("attempts").GetInt32()); // it would fail the same way again
        Assert.Contains("Exports:MaxResultBytes", failed.GetProperty("error").GetString());
        Assert.InRange(await Stored.ExistingBytes("job", failed.GetProperty("id").GetString()!), 1, 4_096);
    }

    static async Task<JsonElement> RunExport(HttpClient http, string userId, string outcome)
    {
        var accepted = await http.PostAsync($"/api/users/{userId}/exports", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        return await ExportJobTests.AwaitStatus(http, jobId, outcome);
    }

    [Fact]
    public async Task A_listing_registry_stops_growing_at_its_cap_and_listings_beyond_it_are_served_uncached()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("crawled");
        var id = (await admin.CreateProduct(ProductApi.Body("Crawled", category))).Id();
        await fixture.Database.AwaitRow(id, 1);
        using var reader = fixture.ApiA.Anonymous();
        var cap = BoundsFixture.Catalog.MaxListingsPerRegistry;

        for (var page = 1; page <= cap; page++)
            Assert.Equal("miss", (await reader.List($"category={category}&page={page}")).Cache);
        var full = await Stored.ExistingBytes("catalog-listing-registry", category);
        for (var page = cap + 1; page <= cap + 10; page++)
        {
            Assert.Equal("miss", (await reader.List($"category={category}&page={page}")).Cache);
            Assert.Equal("miss", (await reader.List($"category={category}&page={page}")).Cache); // not cached
        }

        Assert.InRange(full, cap * 32, Bound("catalog-listing-registry"));
        Assert.Equal(full, await Stored.ExistingBytes("catalog-listing-registry", category));
        Assert.Equal("hit", (await reader.List($"category={category}&page=1")).Cache);
        // A change empties the registry: every listing of the category, registered or not, answers the change.
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Renamed", category)))).StatusCode);
        Assert.Equal(["Renamed"], (await reader.AwaitMiss($"category={category}&page=1")).Names);
        Assert.Equal("miss", (await reader.List($"category={category}&page={cap + 5}")).Cache);
        Assert.Equal("hit", (await reader.List($"category={category}&page={cap + 5}")).Cache); // room again
    }

    [Fact]
    public async Task Activity_pages_hold_at_most_their_declared_items_however_many_activities_came()
    {
        var author = await TestUsers.Create(Grains);
        var reader = await TestUsers.Create(Grains);
        await TestUsers.Befriend(Grains, author, [reader]);
        var stream = Grains.GetGrain<IActivityStreamGrain>(author);
        var summary = "Reviewed " + new string('\u20ac', ProductLimits.MaxNameLength) + ": 5/5";
        ActivityView last = null!;
        for (var i = 0; i < 200; i++)
            last = await stream.Post(new NewActivity($"bound:{Guid.NewGuid():N}", ActivityKinds.ReviewCreated, Guid.NewGuid().ToString("N"), summary));
        await Feeds.AwaitEverywhere(Grains, [reader], last.Id, Patience);
        // Shown is not yet written: a fan-out lets its message go once every feed has written the activity.
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the fan-outs, once the feed wrote them");

        var pages = ActivityPagesBounds(BoundsFixture.Activities);
        foreach (var (owner, grainType, name) in new[] { (author, "activity-stream", "stream"), (reader, "activity-feed", "feed") })
        {
            var documents = await PageDocuments(owner, grainType, name);
            Assert.InRange(documents.Count, 1, pages.MaxPages);
            Assert.All(documents, d => Assert.InRange(d.Items.Count, 0, 2 * BoundsFixture.Activities.PageSize));
            Assert.InRange(documents.Sum(d => d.Items.Count), BoundsFixture.Activities.Keep, pages.MaxStoredItems);
        }
    }

    /// <summary>The stored pages of a stream or feed (state names "{name}-page-{n}"), read as the grain does.</summary>
    async Task<List<ActivityPageDocument>> PageDocuments(string owner, string grainType, string name)
    {
        var rows = (await Stored.All()).Where(r => r.Key == owner && r.State.StartsWith($"{name}-page-", StringComparison.Ordinal)).ToList();
        var storage = Stored.Storage(name == "stream" ? StorageNames.Streams : StorageNames.Feeds);
        var documents = new List<ActivityPageDocument>();
        foreach (var row in rows)
        {
            var page = new GrainState<ActivityPageDocument>(new ActivityPageDocument());
            await storage.ReadStateAsync(row.State, GrainId.Create(grainType, owner), page);
            documents.Add(page.State ?? new ActivityPageDocument());
        }
        return documents;
    }

    /// <summary>ActivityPages' own bounds (the class is internal to the grains).</summary>
    static (int MaxPages, int MaxStoredItems) ActivityPagesBounds(ActivityOptions options)
    {
        var type = typeof(ActivityPageDocument).Assembly.GetType("OrleansScale.Activities.ActivityPages", throwOnError: true)!;
        var pages = Activator.CreateInstance(type, null, default(GrainId), "bounds", options)!;
        return ((int)type.GetProperty("MaxPages")!.GetValue(pages)!, (int)type.GetProperty("MaxStoredItems")!.GetValue(pages)!);
    }

    /// <summary>Every JSON document this cluster stored so far is within the bound of its state.</summary>
    async Task AssertEveryDocumentWithinItsBound()
    {
        var over = (await Stored.All())
            .Where(r => BoundsFixture.Bounds.TryGetValue(r.State, out var bound) && r.Bytes > bound)
            .Select(r => $"{r.State} {r.Key}: {r.Bytes} bytes, bound {BoundsFixture.Bounds[r.State]}").ToList();
        Assert.True(over.Count == 0, string.Join("; ", over));
    }
}
