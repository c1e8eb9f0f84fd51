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
//   dotnet run -c Release --project bench/FanOutBench -- --authors 10 --friends 1000 --rate 10 --seconds 20 --settle 60
// Connection: ConnectionStrings__Postgres (see docs/friends-and-activities.md); cluster id from Orleans__ClusterId
// (default "orleansscale").
var config = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args, new Dictionary<string, string>
{
    ["--authors"] = "Authors", ["--friends"] = "Friends", ["--rate"] = "Rate", ["--seconds"] = "Seconds",
    ["--settle"] = "Settle", ["--timeline"] = "Timeline",
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
// Per watched feed (an author's last friend), the posts not yet seen there: id -> (Post's return, createdAt).
var pending = authors.Select(a => lastFriendOf[a]).Distinct()
    .ToDictionary(feed => feed, _ => new ConcurrentDictionary<string, (double PostedAt, DateTimeOffset CreatedAt)>());
var latencies = new ConcurrentBag<double>();
// (Post's return, latency) of every activity seen, for --timeline: shows whether delay grows over the run.
var timeline = new ConcurrentBag<(double PostedAt, double Latency)>();
double lastSeenAt = 0;
var posting = true;
var failures = 0;

// Feeds are newest first and a pending item sits at its createdAt, so a feed is read from the top only
// until a page reaches past its oldest pending item: usually one page, read as soon as the previous
// answer is in (at most every 10 ms), for all watched feeds at once.
async Task Watch(string feed, ConcurrentDictionary<string, (double PostedAt, DateTimeOffset CreatedAt)> waiting)
{
    if (waiting.IsEmpty)
        return;
    var oldest = waiting.Values.Min(p => p.CreatedAt);
    string? before = null;
    do
    {
        var page = await grains.GetGrain<IActivityFeedGrain>(feed).Page(100, before);
        var now = clock.Elapsed.TotalMilliseconds;
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
        if (!posting && clock.Elapsed.TotalSeconds > seconds + 120)
            break; // give up on what never arrived; reported as missing
        await Task.Delay(10);
    }
});

var total = (int)(rate * seconds);
var posts = new List<Task>();
for (var i = 0; i < total; i++)
{
    var due = i / rate * 1000;
    var wait = due - clock.Elapsed.TotalMilliseconds;
    if (wait > 1)
        await Task.Delay(TimeSpan.FromMilliseconds(wait));
    var author = authors[i % authors.Length];
    posts.Add(Post(author));
}
await Task.WhenAll(posts);
var postedFor = clock.Elapsed.TotalSeconds;
posting = false;
await poller;

async Task Post(string author)
{
    var id = "bench:" + Guid.NewGuid().ToString("N");
    try
    {
        var view = await grains.GetGrain<IActivityStreamGrain>(author).Post(new NewActivity(id, ActivityKinds.ReviewCreated, "bench", "bench"));
        pending[lastFriendOf[author]][id] = (clock.Elapsed.TotalMilliseconds, view.CreatedAt);
    }
    catch (Exception e)
    {
        Interlocked.Increment(ref failures);
        Console.Error.WriteLine($"post failed: {e.GetType().Name}: {e.Message}");
    }
}

var sorted = latencies.Order().ToArray();
double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
var delivered = sorted.Length;
Console.WriteLine($"offered {rate:0.#}/s for {seconds} s: {total} posts ({failures} failed) sent in {postedFor:0.0} s " +
                  $"(achieved {total / postedFor:0.#}/s)");
Console.WriteLine($"visible in the last friend's feed: {delivered}, missing {pending.Values.Sum(w => w.Count)}");
Console.WriteLine($"latency post-return -> last friend's feed: p50 {Percentile(0.50):0} ms, p90 {Percentile(0.90):0} ms, " +
                  $"p99 {Percentile(0.99):0} ms, max {Percentile(1.0):0} ms");
Console.WriteLine($"fan-out throughput: {delivered * (double)friendCount / (lastSeenAt / 1000):0} feed appends/s " +
                  $"({delivered} activities x {friendCount} feeds in {lastSeenAt / 1000:0.0} s)");
if (config.GetValue<string>("Timeline") is { } timelineFile)
    await File.WriteAllLinesAsync(timelineFile, timeline.OrderBy(t => t.PostedAt).Select(t => $"{t.PostedAt:0},{t.Latency:0}"));
await host.StopAsync();
