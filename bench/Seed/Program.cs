// Seeds N products with M reviews each through OrleansScale's public HTTP API, writes their ids (one a
// line) for the wrk script, and copies every aggregate as served into a plain Postgres table that the
// two comparison services (bench/Direct, bench/CacheAside) read, so all three serve the same documents.
//   Seed --api URL --admin-password PW --products N --reviews M [--users U] --ids FILE [--copy-to CONNECTION_STRING]
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

var options = ParseArguments(args);
var api = new Uri(options.GetValueOrDefault("api", "http://127.0.0.1:8080"));
var productCount = int.Parse(options.GetValueOrDefault("products", "10000"));
var reviewCount = int.Parse(options.GetValueOrDefault("reviews", "3"));
var idsFile = options.GetValueOrDefault("ids", "products.txt");
var adminPassword = options.TryGetValue("admin-password", out var given) ? given
    : throw new ArgumentException("--admin-password is required");
const int Parallelism = 32;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Parallelism }) { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };
var clock = Stopwatch.StartNew();

var adminToken = await SignIn(options.GetValueOrDefault("admin", "admin"), adminPassword);
var categories = new[] { "books", "music", "games", "garden", "kitchen", "toys", "tools", "sports" };
var ids = new string[productCount];
await Parallel.ForAsync(0, productCount, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, ct) =>
{
    using var response = await SendUntilTaken(() => new HttpRequestMessage(HttpMethod.Post, "/api/products")
    {
        Content = JsonContent.Create(new
        {
            name = $"Product {i}",
            description = $"Product number {i}, seeded for the benchmark. " + new string('x', 200),
            category = categories[i % categories.Length],
            prices = new[] { new { currency = "USD", amount = 1 + i % 1000 + 0.99m }, new { currency = "EUR", amount = 1 + i % 900 + 0.49m } },
            pictures = new[] { $"https://img.example.com/{i}/1.jpg", $"https://img.example.com/{i}/2.jpg" },
        }),
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", adminToken) },
    }, ct);
    response.EnsureSuccessStatusCode();
    ids[i] = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
});
await File.WriteAllLinesAsync(idsFile, ids);
Console.WriteLine($"{productCount} products in {clock.Elapsed.TotalSeconds:0.0} s; ids in {idsFile}");

// One review per user and product, from a pool of users large enough that no user writes an unrealistic
// number of reviews: review k of product i is by user (i * M + k) mod U, distinct for k < M <= U.
var userCount = Math.Max(reviewCount, int.Parse(options.GetValueOrDefault("users", "200")));
var reviewers = new string[userCount];
await Parallel.ForAsync(0, userCount, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (u, ct) =>
{
    var name = $"bench{Guid.NewGuid().ToString("N")[..10]}";
    (await http.PostAsJsonAsync("/api/users", new { userName = name, displayName = name, password = "bench-password" }, ct)).EnsureSuccessStatusCode();
    reviewers[u] = await SignIn(name, "bench-password");
});
await Parallel.ForAsync(0, productCount * reviewCount, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (k, ct) =>
{
    var (product, user) = (k / reviewCount, k % userCount);
    using var response = await SendUntilTaken(() => new HttpRequestMessage(HttpMethod.Post, $"/api/products/{ids[product]}/reviews")
    {
        Content = JsonContent.Create(new { rating = 1 + (product + user) % 5, text = $"Review {k % reviewCount} of product {product}: solid, would buy again." }),
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", reviewers[user]) },
    }, ct);
    // 409: an earlier attempt that answered 503 had stored the review after all.
    if (response.StatusCode != System.Net.HttpStatusCode.Conflict)
        response.EnsureSuccessStatusCode();
});
Console.WriteLine($"{productCount * reviewCount} reviews after {clock.Elapsed.TotalSeconds:0.0} s");

if (options.TryGetValue("copy-to", out var copyTo))
{
    await using var database = NpgsqlDataSource.Create(copyTo);
    await using (var create = database.CreateCommand("""
        CREATE TABLE IF NOT EXISTS bench_product (id text PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL);
        TRUNCATE bench_product;
        """))
        await create.ExecuteNonQueryAsync();
    await Parallel.ForAsync(0, productCount, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    {
        using var response = await http.GetAsync($"/api/products/{ids[i]}", ct);
        response.EnsureSuccessStatusCode();
        var doc = await response.Content.ReadAsStringAsync(ct);
        var version = long.Parse(response.Headers.ETag!.Tag.Trim('"'));
        await using var insert = database.CreateCommand("INSERT INTO bench_product (id, version, doc) VALUES ($1, $2, $3)");
        insert.Parameters.Add(new NpgsqlParameter { Value = ids[i] });
        insert.Parameters.Add(new NpgsqlParameter { Value = version });
        insert.Parameters.Add(new NpgsqlParameter { Value = doc });
        await insert.ExecuteNonQueryAsync(ct);
    });
    Console.WriteLine($"copied {productCount} aggregates into bench_product after {clock.Elapsed.TotalSeconds:0.0} s");
}

// A 503 says the service is shedding load or briefly unavailable and when to come back (Retry-After): a
// well-behaved client waits and sends again, as the seeder does, up to 20 times.
async Task<HttpResponseMessage> SendUntilTaken(Func<HttpRequestMessage> request, CancellationToken ct)
{
    for (var attempt = 1; ; attempt++)
    {
        using var message = request();
        var response = await http.SendAsync(message, ct);
        if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 20)
            return response;
        var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        response.Dispose();
        await Task.Delay(wait, ct);
    }
}

async Task<string> SignIn(string userName, string password)
{
    using var response = await http.PostAsJsonAsync("/api/sessions", new { userName, password });
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString()!;
}

static Dictionary<string, string> ParseArguments(string[] args)
{
    var options = new Dictionary<string, string>();
    for (var i = 0; i + 1 < args.Length; i += 2)
        options[args[i].TrimStart('-')] = args[i + 1];
    return options;
}
