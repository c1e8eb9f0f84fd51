using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.Core.Internal;
using Orleans.TestingHost;
using Orleans.Runtime.Placement;
using OrleansScale.Activities;
using OrleansScale.Products;
using OrleansScale.Sessions;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;
using OrleansScale.Tests.Sessions;
using OrleansScale.Users;

namespace OrleansScale.Tests.Cluster;

/// <summary>The rebalancer on a two-second cycle, as the stress test runs it, the drain on as deployed, and call chains
/// watched for loops.</summary>
public sealed class MigrationStressFixture : ClusterFixture
{
    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<CallChainLoops.Installed>();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Rebalancer:Enabled", "true"),
        new("Rebalancer:RebalancerDueTime", "00:00:01"),
        new("Rebalancer:SessionCyclePeriod", "00:00:02"),
        new("Drain:Enabled", "true"), // as deployed: the silo that leaves hands its grains over
    ];
}

/// <summary>Grains that move all the time (the rebalancer on a short cycle, explicit migrations of the grains
/// the load uses, a silo that joins and then leaves gracefully) while products, carts, reviews, friendships and feeds are
/// written and read through both API processes. Every answer is checked against what was acknowledged before
/// it was asked for; a wrong answer fails the test, and so does an error.</summary>
public sealed class MigrationStressTests(MigrationStressFixture fixture) : IClassFixture<MigrationStressFixture>
{
    static readonly TimeSpan LoadFor = TimeSpan.FromSeconds(20);
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    const int Products = 10;
    const int Users = 6;

    [Fact]
    public async Task Grains_that_migrate_all_the_time_while_a_silo_joins_and_leaves_give_no_wrong_answer_and_no_error()
    {
        using var admin = await fixture.ApiA.Admin();
        var products = new List<string>();
        for (var i = 0; i < Products; i++)
            products.Add((await admin.CreateProduct(ProductApi.Body($"p{i} w0"))).Id());
        var users = new List<SignedInUser>();
        for (var i = 0; i < Users; i++)
            users.Add(await fixture.ApiA.SignUpAndIn());
        // A ring of friendships: each user's feed receives the reviews of two others.
        for (var i = 0; i < Users; i++)
        {
            using var http = fixture.ApiA.WithToken(users[i].Token);
            var next = users[(i + 1) % Users];
            Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsync($"/api/users/{users[i].UserId}/friends/{next.UserId}", null)).StatusCode);
        }

        // Partners of the friendships made and ended during the load, one per user.
        var partners = new List<SignedInUser>();
        for (var i = 0; i < Users; i++)
            partners.Add(await fixture.ApiA.SignUpAndIn());

        // The second API process starts on first use; started under the load, its start would slow the reads
        // that the first one's write admission follows, and it would shed writes.
        _ = fixture.ApiB.Server;
        var ledger = new Ledger();
        var migrations = new Migrations();
        using var load = new CancellationTokenSource(LoadFor);
        await Task.WhenAll(
        [
            .. products.Select((id, i) => WriteProduct(admin, id, i, ledger, load.Token)),
            ReadProducts(fixture.ApiA, products, ledger, load.Token),
            ReadProducts(fixture.ApiB, products, ledger, load.Token),
            .. users.Select((user, i) => ChangeCart(user, products, i, ledger, load.Token)),
            .. users.Select(user => Review(user, products, ledger, load.Token)),
            .. users.Select((user, i) => BefriendAndUnfriend(user, partners[i], ledger, load.Token)),
            Migrate(products, [.. users, .. partners], migrations, load.Token),
            JoinAndLeave(load.Token),
        ]);

        // After the load: everything acknowledged is there, through both API processes.
        foreach (var api in new[] { fixture.ApiA, fixture.ApiB })
        {
            using var anonymous = api.Anonymous();
            foreach (var id in products)
                await CheckProduct(anonymous, id, ledger, "after the load");
            foreach (var user in users)
            {
                using var http = api.WithToken(user.Token);
                var cart = await Read(http, "/api/sessions/current/cart", ledger, "cart after the load");
                if (cart is { } c && ledger.Carts.TryGetValue(user.Token, out var expected) && expected is not null
                    && !CartApiTests.Lines(c).OrderBy(l => l.Item1).SequenceEqual(expected.OrderBy(l => l.Item1)))
                    ledger.Wrong($"cart of {user.UserId} after the load: {Show(CartApiTests.Lines(c))}, acknowledged {Show(expected)}");
            }
        }
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            var friends = new[] { users[(i + 1) % Users], users[(i + Users - 1) % Users] };
            foreach (var friend in friends)
                await CheckFeedHasReviews(friend, user, ledger);
        }

        // A loop stalls only when the rebalancer moves its first grain in the middle of it, which explicit
        // migrations never do (they wait for the grain to be idle): so loops are looked for, not waited for.
        Assert.True(CallChainLoops.Seen.Count == 0, $"call chains that come back to a grain:\n{string.Join("\n", CallChainLoops.Seen.Distinct().Take(10))}");
        Assert.True(ledger.WrongAnswers.IsEmpty, $"{ledger.WrongAnswers.Count} wrong answers:\n{string.Join("\n", ledger.WrongAnswers.Take(20))}");
        Assert.True(ledger.Errors.IsEmpty, $"{ledger.Errors.Count} errors ({ledger.Answered} answers checked):\n{string.Join("\n", ledger.Errors.Take(20))}");
        // The load really ran while grains moved.
        Assert.True(migrations.Moved > 50, $"only {migrations.Moved} moves seen ({migrations.Asked} asked for)");
        Assert.True(ledger.Answered > 500, $"only {ledger.Answered} answers were checked");
    }

    async Task WriteProduct(HttpClient admin, string id, int index, Ledger ledger, CancellationToken stop)
    {
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var response = await Send(() => admin.SendAsync(ProductApi.Put(id, ProductApi.Body($"p{index} w{n}"))), ledger, $"PUT product {id}");
            if (response is { StatusCode: HttpStatusCode.OK } ok)
            {
                var body = await ok.Content.ReadFromJsonAsync<JsonElement>();
                ledger.ProductWritten(id, body.GetProperty("version").GetInt64(), n);
            }
            else if (response is not null)
                await ledger.Failed($"PUT product {id}", response);
            await Task.Delay(50);
        }
    }

    static async Task ReadProducts(ApiFactory api, IReadOnlyList<string> products, Ledger ledger, CancellationToken stop)
    {
        using var anonymous = api.Anonymous();
        while (!stop.IsCancellationRequested)
        {
            foreach (var id in products)
                await CheckProduct(anonymous, id, ledger, "during the load");
        }
    }

    /// <summary>A read must show at least the newest version and name acknowledged before it was sent.</summary>
    static async Task CheckProduct(HttpClient http, string id, Ledger ledger, string when)
    {
        var (floorVersion, floorWrite) = ledger.ProductFloor(id);
        var response = await Send(() => http.GetAsync($"/api/products/{id}"), ledger, $"GET product {id}");
        if (response is null)
            return;
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            ledger.Wrong($"GET product {id} {when}: 404 for a product that exists");
            return;
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await ledger.Failed($"GET product {id} {when}", response);
            return;
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var version = body.GetProperty("version").GetInt64();
        var write = int.Parse(body.GetProperty("name").GetString()!.Split(" w")[1]);
        if (version < floorVersion || write < floorWrite)
            ledger.Wrong($"GET product {id} {when}: version {version} (write {write}) after version {floorVersion} (write {floorWrite}) was acknowledged");
        else
            ledger.Checked();
    }

    /// <summary>One writer per session: after every acknowledged change, a read through the other API process
    /// must show exactly the cart the change answered with.</summary>
    async Task ChangeCart(SignedInUser user, IReadOnlyList<string> products, int index, Ledger ledger, CancellationToken stop)
    {
        using var a = fixture.ApiA.WithToken(user.Token);
        using var b = fixture.ApiB.WithToken(user.Token);
        var random = new Random(index);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var (writer, reader) = n % 2 == 0 ? (a, b) : (b, a);
            var product = products[random.Next(products.Count)];
            var quantity = random.Next(1, 10);
            var response = await Send(() => writer.PutAsJsonAsync($"/api/sessions/current/cart/{product}", new { quantity }), ledger, "PUT cart line");
            if (response is not { StatusCode: HttpStatusCode.OK })
            {
                if (response is not null)
                    await ledger.Failed($"PUT cart line of {user.UserId}", response);
                ledger.Carts[user.Token] = null; // unknown until the next acknowledged change
                continue;
            }
            var changed = CartApiTests.Lines(await response.Content.ReadFromJsonAsync<JsonElement>());
            if (!changed.Contains((product, quantity)))
                ledger.Wrong($"PUT cart line of {user.UserId} answered {Show(changed)} without ({product}, {quantity})");
            ledger.Carts[user.Token] = changed;
            var read = await Read(reader, "/api/sessions/current/cart", ledger, $"cart of {user.UserId}");
            if (read is { } cart && !CartApiTests.Lines(cart).OrderBy(l => l.Item1).SequenceEqual(changed.OrderBy(l => l.Item1)))
                ledger.Wrong($"cart of {user.UserId}: read {Show(CartApiTests.Lines(cart))} after {Show(changed)} was acknowledged");
            else if (read is not null)
                ledger.Checked();
            await Task.Delay(20);
        }
    }

    /// <summary>Each user reviews the products in turn; a failed review is sent again, and then a 409 means the
    /// failed one was stored after all.</summary>
    async Task Review(SignedInUser user, IReadOnlyList<string> products, Ledger ledger, CancellationToken stop)
    {
        using var http = fixture.ApiB.WithToken(user.Token);
        foreach (var product in products)
        {
            var failedBefore = false;
            while (!stop.IsCancellationRequested)
            {
                var response = await Send(() => http.PostAsJsonAsync($"/api/products/{product}/reviews", new { rating = 4, text = "Moved around." }),
                    ledger, "POST review");
                if (response?.StatusCode == HttpStatusCode.Created)
                {
                    ledger.Reviewed(user.UserId, product);
                    break;
                }
                if (response?.StatusCode == HttpStatusCode.Conflict)
                {
                    if (failedBefore)
                        ledger.Reviewed(user.UserId, product);
                    else
                        ledger.Wrong($"review of {product} by {user.UserId}: 409 for a first review");
                    break;
                }
                if (response is not null)
                    await ledger.Failed($"POST review of {product} by {user.UserId}", response);
                failedBefore = true;
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Makes and ends one friendship again and again (each one a new friend.added activity); after every
    /// acknowledged change the friend lists of both, read through the other API process, must show it.</summary>
    async Task BefriendAndUnfriend(SignedInUser user, SignedInUser partner, Ledger ledger, CancellationToken stop)
    {
        using var http = fixture.ApiA.WithToken(user.Token);
        using var reader = fixture.ApiB.Anonymous();
        var path = $"/api/users/{user.UserId}/friends/{partner.UserId}";
        for (var friends = true; !stop.IsCancellationRequested; friends = !friends)
        {
            var what = friends ? $"befriending {partner.UserId} by {user.UserId}" : $"unfriending {partner.UserId} by {user.UserId}";
            var response = await Send(() => friends ? http.PutAsync(path, null) : http.DeleteAsync(path), ledger, what);
            if (response is null)
                continue;
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                await ledger.Failed(what, response);
                continue;
            }
            foreach (var (of, other) in new[] { (user, partner), (partner, user) })
            {
                var list = await Read(reader, $"/api/users/{of.UserId}/friends", ledger, $"friends of {of.UserId}");
                if (list is not { } l)
                    continue;
                var shown = l.GetProperty("items").EnumerateArray().Any(f => f.GetProperty("id").GetString() == other.UserId);
                if (shown != friends)
                    ledger.Wrong($"friends of {of.UserId} {(shown ? "show" : "miss")} {other.UserId} after {what} was acknowledged");
                else
                    ledger.Checked();
            }
        }
    }

    /// <summary>Asks the grains the load uses to move, one after another, all through the load.</summary>
    async Task Migrate(IReadOnlyList<string> products, IReadOnlyList<SignedInUser> users, Migrations migrations, CancellationToken stop)
    {
        var grains = fixture.Cluster.Client;
        var targets = products.Select(id => (IAddressable)grains.GetGrain<IProductGrain>(id))
            .Concat(users.Select(u => (IAddressable)grains.GetGrain<ISessionGrain>(u.Token)))
            .Concat(users.Select(u => (IAddressable)grains.GetGrain<IActivityStreamGrain>(u.UserId)))
            .Concat(users.Select(u => (IAddressable)grains.GetGrain<IActivityFeedGrain>(u.UserId)))
            .Concat(users.Select(u => (IAddressable)grains.GetGrain<IUserGrain>(u.UserId)))
            .Concat(users.Select(u => (IAddressable)grains.GetGrain<IFriendsGrain>(u.UserId)))
            .ToList();
        var management = grains.GetGrain<IManagementGrain>(0);
        var lastSeen = new Dictionary<IAddressable, SiloAddress>();
        var random = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            var target = targets[random.Next(targets.Count)];
            try
            {
                // Moved since it was last asked (by this request, the rebalancer or a silo leaving).
                var now = await management.GetActivationAddress(target);
                if (now is not null && lastSeen.TryGetValue(target, out var before) && !before.Equals(now))
                    Interlocked.Increment(ref migrations.Moved);
                if (now is not null)
                    lastSeen[target] = now;
                // Migration places the grain anew; a grain placed beside its caller would stay where it is
                // unless told where to go.
                var elsewhere = fixture.Cluster.GetActiveSilos().Select(s => s.SiloAddress).Where(s => !s.Equals(now)).ToList();
                try
                {
                    if (elsewhere.Count > 0)
                        RequestContext.Set(IPlacementDirector.PlacementHintKey, elsewhere[random.Next(elsewhere.Count)]);
                    await target.Cast<IGrainManagementExtension>().MigrateOnIdle();
                }
                finally
                {
                    // The hint is for this request only, not for the address lookups of the next round.
                    RequestContext.Clear();
                }
                Interlocked.Increment(ref migrations.Asked);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Asking to move is not part of what the users see; a refused request just moves nothing.
            }
            await Task.Delay(10);
        }
    }

    /// <summary>A third silo joins a quarter into the load and leaves gracefully at three quarters.</summary>
    async Task JoinAndLeave(CancellationToken stop)
    {
        await Task.Delay(LoadFor / 4, CancellationToken.None);
        var added = await fixture.Cluster.StartAdditionalSiloAsync();
        await Task.Delay(LoadFor / 2, CancellationToken.None);
        await fixture.Cluster.StopSiloAsync(added);
    }

    /// <summary>Every review the user was acknowledged reaches the friend's feed (queued fan-out).</summary>
    async Task CheckFeedHasReviews(SignedInUser friend, SignedInUser author, Ledger ledger)
    {
        var expected = ledger.ReviewsBy(author.UserId);
        using var http = fixture.ApiA.WithToken(friend.Token);
        try
        {
            await Await.Until(async () =>
                {
                    var feed = await http.GetFromJsonAsync<JsonElement>($"/api/users/{friend.UserId}/feed?limit=100");
                    return feed.GetProperty("items").EnumerateArray()
                        .Where(a => a.GetProperty("userId").GetString() == author.UserId && a.GetProperty("kind").GetString() == ActivityKinds.ReviewCreated)
                        .Select(a => a.GetProperty("subjectId").GetString()!).ToHashSet();
                },
                seen => expected.All(seen.Contains), Patience, $"the reviews of {author.UserId} in the feed of {friend.UserId}");
        }
        catch (TimeoutException e)
        {
            ledger.Wrong($"feed of {friend.UserId} misses acknowledged reviews of {author.UserId}: {e.Message}");
        }
    }

    static async Task<JsonElement?> Read(HttpClient http, string path, Ledger ledger, string what)
    {
        var response = await Send(() => http.GetAsync(path), ledger, what);
        if (response is null)
            return null;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await ledger.Failed(what, response);
            return null;
        }
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The answer, or null after recording a request that got none.</summary>
    static async Task<HttpResponseMessage?> Send(Func<Task<HttpResponseMessage>> request, Ledger ledger, string what)
    {
        try
        {
            return await request();
        }
        catch (Exception e)
        {
            ledger.Error($"{what}: {e.GetType().Name} {e.Message}");
            return null;
        }
    }

    static string Show(IEnumerable<(string, int)> lines) => "[" + string.Join(", ", lines.Select(l => $"{l.Item1[..6]}x{l.Item2}")) + "]";

    sealed class Migrations
    {
        public int Asked;

        /// <summary>Found on another silo than when it was last asked to move.</summary>
        public int Moved;
    }

    /// <summary>What was acknowledged, and every wrong answer and error seen, from all the load's tasks.</summary>
    sealed class Ledger
    {
        readonly ConcurrentDictionary<string, (long Version, int Write)> products = new();
        readonly ConcurrentDictionary<string, ConcurrentBag<string>> reviews = new();
        long answered;

        public ConcurrentQueue<string> WrongAnswers { get; } = new();
        public ConcurrentQueue<string> Errors { get; } = new();

        /// <summary>Each session's acknowledged cart; null while a failed change leaves it unknown.</summary>
        public ConcurrentDictionary<string, List<(string, int)>?> Carts { get; } = new();

        public long Answered => Interlocked.Read(ref answered);

        public void ProductWritten(string id, long version, int write)
        {
            products.AddOrUpdate(id, (version, write), (_, old) => (Math.Max(old.Version, version), Math.Max(old.Write, write)));
            Checked();
        }

        public (long Version, int Write) ProductFloor(string id) => products.GetValueOrDefault(id, (1, 0));

        public void Reviewed(string userId, string productId)
        {
            reviews.GetOrAdd(userId, _ => []).Add(productId);
            Checked();
        }

        public IReadOnlyCollection<string> ReviewsBy(string userId) => reviews.TryGetValue(userId, out var r) ? [.. r] : [];

        public void Checked() => Interlocked.Increment(ref answered);

        public void Wrong(string what) => WrongAnswers.Enqueue(what);

        public void Error(string what) => Errors.Enqueue(what);

        /// <summary>Records an error answer with its status and the problem's detail, which names the cause.</summary>
        public async Task Failed(string what, HttpResponseMessage response)
        {
            var body = await response.Content.ReadAsStringAsync();
            var detail = body.Length == 0 ? "" : JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var d) ? d.GetString() : body;
            Error($"{what}: {(int)response.StatusCode} {detail}");
        }
    }
}
