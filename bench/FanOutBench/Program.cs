using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansScale.Activities;
using OrleansScale.Users;

// Fan-out benchmark against a running cluster (deploy/up.sh): N authors who each have the same F friends
// post activities at R per second for D seconds; for each activity it measures the time from Post's
// return (the activity is durable in the author's stream) until it is in the feed of the author's last
// friend (the last one the fan-out delivers to), and the feed appends per second that implies.
//   dotnet run -c Release --project bench/FanOutBench -- --authors 10 --friends 1000 --rate 10 --seconds 20 --settle 60 --warmup 20
// --warmup S first posts at the same rate for S seconds and reports that run apart, not counted.
// Connection: ConnectionStrings__Postgres (see docs/friends-and-activities.md); cluster id from Orleans__ClusterId
// (default "orleansscale").
var config = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args, new Dictionary<string, string>
{
    ["--authors"] = "Authors", ["--friends"] = "Friends", ["--rate"] = "Rate", ["--seconds"] = "Seconds",
    ["--settle"] = "Settle", ["--timeline"] = "Timeline", ["--warmup"] = "Warmup",
}).Build();
var authorCount = config.GetValue("Authors", 10);
var friendCount = config.GetValue("Friends", 1000);
var rate = config.GetValue("Rate", 10.0);
var seconds = config.GetValue("Seconds", 30);
var connectionString = config.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("Set ConnectionStrings__Postgres to the cluster's database.");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleansClient(client =>
{
    client.UseAdoNetClustering(o =>
    {
        o.Invariant = "Npgsql";
        o.ConnectionString = connectionString;
    });
    client.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = config["Orleans:ClusterId"] ?? "orleansscale";
        o.ServiceId = config["Orleans:ServiceId"] ?? "orleansscale";
    });
});
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IClusterClient>();

// Setup through the grains (no password hashing); fixed ids, so a second run reuses the graph.
var setup = Stopwatch.StartNew();
var authors = Enumerable.Range(0, authorCount).Select(i => $"bench-author-{i}").ToArray();
var friends = Enumerable.Range(0, friendCount).Select(i => $"bench-friend-{i}").ToArray();
foreach (var batch in authors.Concat(friends).Chunk(200))
    await Task.WhenAll(batch.Select(id => grains.GetGrain<IUserGrain>(id).Create(
        new UserProfile(id, id, id, IsAdmin: false, DateTimeOffset.UtcNow))));
foreach (var author in authors)
{
    if ((await grains.GetGrain<IFriendsGrain>(author).FriendIds()).Count >= friendCount)
        continue;
    foreach (var batch in friends.Chunk(100))
        await Task.WhenAll(batch.Select(f => grains.GetGrain<IFriendsGrain>(f).Befriend(author)));
}
var lastFriendOf = new Dictionary<string, string>();
foreach (var author in authors)
    lastFriendOf[author] = (await grains.GetGrain<IFriendsGrain>(author).FriendIds())[^1];
Console.WriteLine($"setup: {authorCount} authors x {friendCount} friends in {setup.Elapsed.TotalSeconds:0.0} s");

// Let the fan-out of the setup's friend.added activities drain before measuring (a fresh graph of
// 10 x 1,000 queues about 55,000 feed appends).
await Task.Delay(TimeSpan.FromSeconds(config.GetValue("Settle", 60)));

var clock = Stopwatch.StartNew();
var warmup = config.GetValue("Warmup", 0);
if (warmup > 0)
{
    // The same load, not counted: a cluster minutes old still compiles its hot paths again (tiered JIT),
    // and feeds that are not yet full neither trim nor spill, so a cold run measures start-up, not the fan-out.
    var cold = await Measure(warmup);
    Console.WriteLine($"warm-up ({warmup} s, not counted): {cold.Delivered} of {cold.Posted} visible, p99 {cold.Percentile(0.99):0} ms");
}
var result = await Measure(seconds);
Console.WriteLine($"offered {rate:0.#}/s for {seconds} s: {result.Posted} posts ({result.Failures} failed) sent in {result.PostedFor:0.0} s " +
                  $"(achieved {result.Posted / result.PostedFor:0.#}/s)");
Console.WriteLine($"visible in the last friend's feed: {result.Delivered}, missing {result.Missing}" +
                  (result.Missing > 0 ? $" ({result.FanOutsQueued} fan-outs still on the queue: missing ones are still on their way " +
                                        "when that is not 0, else they arrived too late for the feed's kept items)" : ""));
Console.WriteLine($"latency post-return -> last friend's feed: p50 {result.Percentile(0.50):0} ms, p90 {result.Percentile(0.90):0} ms, " +
                  $"p99 {result.Percentile(0.99):0} ms, max {result.Percentile(1.0):0} ms");
Console.WriteLine($"fan-out throughput: {result.Delivered * (double)friendCount / (result.LastSeenAt / 1000):0} feed appends/s " +
                  $"({result.Delivered} activities x {friendCount} feeds in {result.LastSeenAt / 1000:0.0} s)");
if (config.GetValue<string>("Timeline") is { } timelineFile)
    await File.WriteAllLinesAsync(timelineFile, result.Timeline.Select(t => $"{t.PostedAt:0},{t.Latency:0}"));

// Posts at the rate for the given seconds and watches the last friend's feed of each author until every
// post is seen there or 120 s have passed since posting began.
async Task<RunResult> Measure(int runSeconds)
{
    var started = clock.Elapsed.TotalMilliseconds;
    // Per watched feed (an author's last friend), the posts not yet seen there: id -> (Post's return, createdAt, author).
    var pending = authors.Select(a => lastFriendOf[a]).Distinct()
        .ToDictionary(feed => feed, _ => new ConcurrentDictionary<string, (double PostedAt, DateTimeOffset CreatedAt, string Author)>());
    var latencies = new ConcurrentBag<double>();
    // (Post's return, latency) of every activity seen, for --timeline: shows whether delay grows over the run.
    var timeline = new ConcurrentBag<(double PostedAt, double Latency)>();
    double lastSeenAt = 0;
    var posting = true;
    var failures = 0;

    // Feeds are newest first and a pending item sits at its createdAt, so a feed is read from the top only
    // until a page reaches past its oldest pending item: usually one page, read as soon as the previous
    // answer is in (at most every 10 ms), for all watched feeds at once.
    async Task Watch(string feed, ConcurrentDictionary<string, (double PostedAt, DateTimeOffset CreatedAt, string Author)> waiting)
    {
        if (waiting.IsEmpty)
            return;
        var oldest = waiting.Values.Min(p => p.CreatedAt);
        string? before = null;
        do
        {
            var page = await grains.GetGrain<IActivityFeedGrain>(feed).Page(100, before);
            var now = clock.Elapsed.TotalMilliseconds - started;
            foreach (var item in page.Items)
            {
                if (waiting.TryRemove(item.Id, out var p))
                {
                    latencies.Add(now - p.PostedAt);
                    timeline.Add((p.PostedAt, now - p.PostedAt));
                    lock (latencies)
                        lastSeenAt = Math.Max(lastSeenAt, now);
                }
            }
            before = page.Items.Count > 0 && page.Items[^1].CreatedAt > oldest ? page.Next : null;
        } while (before is not null);
    }

    var poller = Task.Run(async () =>
    {
        while (posting || pending.Values.Any(w => !w.IsEmpty))
        {
            await Task.WhenAll(pending.Select(w => Watch(w.Key, w.Value)));
            if (!posting && clock.Elapsed.TotalMilliseconds - started > (runSeconds + 120) * 1000.0)
                break; // give up on what never arrived; reported as missing
            await Task.Delay(10);
        }
    });

    var total = (int)(rate * runSeconds);
    var posts = new List<Task>();
    for (var i = 0; i < total; i++)
    {
        var due = i / rate * 1000;
        var wait = due - (clock.Elapsed.TotalMilliseconds - started);
        if (wait > 1)
            await Task.Delay(TimeSpan.FromMilliseconds(wait));
        var author = authors[i % authors.Length];
        posts.Add(Post(author));
    }
    await Task.WhenAll(posts);
    var postedFor = (clock.Elapsed.TotalMilliseconds - started) / 1000;
    posting = false;
    await poller;
    // A fan-out keeps its queue message until every feed has written the activity. With none left on the
    // queue, a missing activity reached every feed but came too late and fell off the feed's kept items (or
    // arrived below them) before the poller saw it.
    var missing = pending.Values.SelectMany(w => w).ToArray();
    return new RunResult(total, failures, postedFor, latencies.Order().ToArray(), missing.Length, await FanOutsQueued(),
        lastSeenAt, timeline.OrderBy(t => t.PostedAt).ToArray());

    // Every message of the queue: the bench's cluster runs no other work.
    async Task<long> FanOutsQueued()
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM orleans_stream_message", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    async Task Post(string author)
    {
        var id = "bench:" + Guid.NewGuid().ToString("N");
        try
        {
            var view = await grains.GetGrain<IActivityStreamGrain>(author).Post(new NewActivity(id, ActivityKinds.ReviewCreated, "bench", "bench"));
            pending[lastFriendOf[author]][id] = (clock.Elapsed.TotalMilliseconds - started, view.CreatedAt, author);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref failures);
            Console.Error.WriteLine($"post failed: {e.GetType().Name}: {e.Message}");
        }
    }
}

await host.StopAsync();

/// <summary>One measured run; latencies (ms from Post's return to the last friend's feed) sorted.</summary>
sealed record RunResult(int Posted, int Failures, double PostedFor, double[] Latencies, int Missing, long FanOutsQueued, double LastSeenAt,
    (double PostedAt, double Latency)[] Timeline)
{
    public int Delivered => Latencies.Length;

    public double Percentile(double p) =>
        Latencies.Length == 0 ? double.NaN : Latencies[Math.Min(Latencies.Length - 1, (int)Math.Ceiling(p * Latencies.Length) - 1)];
}
