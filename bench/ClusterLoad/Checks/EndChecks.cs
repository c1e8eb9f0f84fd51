using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Checks;

/// <summary>The checks after the drain, when all background work should be done: everything acknowledged
/// must be there now. Each check is an operation of the end-check phase; its outcome columns count the
/// things checked (a feed check has one per expected activity), its "sent" column the requests.
/// Something acknowledged and absent is LOST; something present that was never written is WRONG.</summary>
public sealed class EndChecks(ApiClient api, RunClock clock, int concurrency)
{
    /// <summary>Every product: its version at least the acknowledged one, its rating.count within the
    /// reviews known to exist and those that may (attempts without an answer).</summary>
    public Task CheckProducts(Phase phase, string[] productIds, ProductLedger ledger, CancellationToken stop) =>
        Bounded.ForEach(productIds.Length, concurrency, stop, async i =>
        {
            var (answer, latency) = await Timed(() => api.Get("/api/products/" + productIds[i]));
            phase.Stats("product-check", OperationGroup.Read).Record(JudgeProduct(answer, productIds[i], i, ledger), latency);
        });

    /// <summary>Every watched feed: each review acknowledged by a friend that is newer than the first
    /// page's oldest item must be on it.</summary>
    public Task CheckFeeds(Phase phase, Population population, ReviewLedger reviews, CancellationToken stop) =>
        Bounded.ForEach(population.WatchedUsers.Length, concurrency, stop, async i =>
        {
            var owner = population.Users[population.WatchedUsers[i]];
            var expected = owner.Friends.SelectMany(reviews.ByAuthor).ToList();
            var (answer, latency) = await Timed(() => api.Get($"/api/users/{owner.Id}/feed?limit={ActivityPages.PageSize}", owner.Bearer));
            RecordPage(phase.Stats("feed-check", OperationGroup.Read), answer, latency, "feed of " + owner.Id, expected,
                page => ActivityPages.FeedInconsistency(page, owner, population));
        });

    /// <summary>Each user's own stream (GET /api/users/{id}/activities): its newest review activities.</summary>
    public Task CheckStreams(Phase phase, IReadOnlyList<UserAccount> users, ReviewLedger reviews, CancellationToken stop) =>
        Bounded.ForEach(users.Count, concurrency, stop, async i =>
        {
            var user = users[i];
            var (answer, latency) = await Timed(() => api.Get($"/api/users/{user.Id}/activities?limit={ActivityPages.PageSize}"));
            RecordPage(phase.Stats("stream-check", OperationGroup.Read), answer, latency, "activities of " + user.Id,
                reviews.ByAuthor(user.Index),
                page => (page.Items ?? []).FirstOrDefault(a => a.UserId != user.Id) is { } other
                    ? $"stream shows another user's activity: {user.Id} shows {other.Id} by {other.UserId}" : null);
        });

    /// <summary>Every article: at least the acknowledged version, and rendered up to its newest version.</summary>
    public Task CheckArticles(Phase phase, IReadOnlyList<ArticleRef> articles, ArticleLedger ledger, CancellationToken stop) =>
        Bounded.ForEach(articles.Count, concurrency, stop, async i =>
        {
            var (answer, latency) = await Timed(() => api.Get("/api/articles/" + articles[i].Slug));
            phase.Stats("article-check", OperationGroup.Read).Record(JudgeArticle(answer, articles[i].Slug, ledger.AckedVersion(i)), latency);
        });

    /// <summary>Every setup session's cart equals the model: a line that differs is an acknowledged change not kept.</summary>
    public Task CheckCarts(Phase phase, IReadOnlyList<UserAccount> users, CartLedger carts, CancellationToken stop) =>
        Bounded.ForEach(users.Count, concurrency, stop, async i =>
        {
            var (answer, latency) = await Timed(() => api.Get("/api/sessions/current/cart", users[i].Bearer));
            var outcome = answer.Expect(200, ApiJson.Default.CartDocument, "cart of " + users[i].UserName, out var cart, out var failed)
                ? carts[i].Verify(cart, users[i].UserName)
                : failed;
            phase.Stats("cart-check", OperationGroup.Read).Record(
                outcome.Kind == OutcomeKind.Wrong ? Outcome.Lost(outcome.Detail!) : outcome, latency);
        });

    static Outcome JudgeProduct(ApiAnswer answer, string id, int index, ProductLedger ledger)
    {
        if (answer.Status == 404)
            return Outcome.Lost($"product gone: {id}");
        if (!answer.Expect(200, ApiJson.Default.ProductDocument, "product " + id, out var product, out var outcome))
            return outcome;
        var count = product.Rating?.Count ?? 0;
        var known = ledger.KnownReviews(index);
        var atMost = known + ledger.AmbiguousReviews(index);
        if (product.Version < ledger.AckedVersion(index))
            return Outcome.Lost($"product version lost: {id} is at {product.Version}, {ledger.AckedVersion(index)} was acknowledged");
        if (count < known)
            return Outcome.Lost($"reviews lost: {id} counts {count}, {known} acknowledged");
        if (count > atMost)
            return Outcome.Wrong($"reviews never written: {id} counts {count}, at most {atMost} attempted");
        return Outcome.Ok;
    }

    static Outcome JudgeArticle(ApiAnswer answer, string slug, long acked)
    {
        if (!answer.Expect(200, ApiJson.Default.ArticleDocument, "article " + slug, out var article, out var outcome))
            return outcome;
        if (article.Version < acked)
            return Outcome.Lost($"article version lost: {slug} is at {article.Version}, {acked} was acknowledged");
        if (article.RenderedVersion != article.Version)
            return Outcome.Lost($"newest version never rendered: {slug} version {article.Version}, rendered {article.RenderedVersion}");
        return Outcome.Ok;
    }

    /// <summary>One outcome per expected activity (the first carries the request's latency), and a wrong
    /// one when the page itself is inconsistent.</summary>
    static void RecordPage(OperationStats stats, ApiAnswer answer, TimeSpan latency, string what,
        IReadOnlyCollection<ReviewActivity> expected, Func<ActivityPageDocument, string?> inconsistency)
    {
        if (!answer.Expect(200, ApiJson.Default.ActivityPageDocument, what, out var page, out var outcome))
        {
            stats.Record(outcome, latency);
            return;
        }
        TimeSpan? requestLatency = latency;
        if (inconsistency(page) is { } wrong)
        {
            stats.Record(Outcome.Wrong(wrong), requestLatency);
            requestLatency = null;
        }
        var missing = ActivityPages.Missing(page, expected).ToHashSet();
        foreach (var activity in expected)
        {
            stats.Record(missing.Contains(activity)
                ? Outcome.Lost($"acknowledged review missing: {what} lacks {activity.ActivityId} (review at {activity.ReviewCreatedAt:O})")
                : Outcome.Ok, requestLatency);
            requestLatency = null;
        }
        if (requestLatency is { } unused) // nothing was expected: the request still counts as sent
            stats.Record(Outcome.Ok, unused);
    }

    async Task<(ApiAnswer Answer, TimeSpan Latency)> Timed(Func<Task<ApiAnswer>> send)
    {
        var start = clock.Elapsed;
        var answer = await send();
        return (answer, clock.Elapsed - start);
    }
}
