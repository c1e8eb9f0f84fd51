using System.Diagnostics;
using System.Security.Cryptography;
using OrleansScale.Bench.ClusterLoad.Model;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Setup;

/// <param name="Friends">Friends per user; friendships are mutual, made as a circulant graph (user i and
/// users i ± 1 … i ± F/2, plus the user opposite when F is odd), so every user has exactly F.</param>
/// <param name="WatchedFeeds">Users whose feeds are read during the run and checked at its end.</param>
/// <param name="Concurrency">Requests in flight at once while seeding (sign-ins at most 8: each costs a password hash).</param>
public sealed record SetupSettings(int Products, int Users, int Friends, int Articles, int WatchedFeeds, int Concurrency);

/// <summary>Builds, through the public API, the population the mixed workload runs on: products,
/// signed-in users with friends, and articles. Every name carries a fresh run tag.</summary>
public sealed class PopulationSetup(SetupRequests requests, TextWriter log)
{
    const int SignInConcurrency = 8;

    public async Task<Population> CreateAsync(SetupSettings settings, string adminName, string adminPassword, CancellationToken stop)
    {
        Validate(settings);
        var tag = RunTag.New();
        var clock = Stopwatch.StartNew();
        var (admin, _) = await requests.SignIn(adminName, adminPassword);

        var productIds = new string[settings.Products];
        var productVersions = new long[settings.Products];
        await Bounded.ForEach(settings.Products, settings.Concurrency, stop, async i =>
            (productIds[i], productVersions[i]) = await requests.CreateProduct(tag, i, admin));
        log.WriteLine($"setup: {settings.Products} products in {clock.Elapsed.TotalSeconds:0.0} s");

        var users = new UserAccount[settings.Users];
        await Bounded.ForEach(settings.Users, Math.Min(settings.Concurrency, SignInConcurrency), stop, async i =>
            users[i] = await requests.RegisterAndSignIn(i, $"{tag}-u{i}"));
        log.WriteLine($"setup: {settings.Users} users registered and signed in after {clock.Elapsed.TotalSeconds:0.0} s");

        var friendships = Friendships(settings.Users, settings.Friends);
        foreach (var user in users)
            user.Friends = friendships.Where(f => f.A == user.Index).Select(f => f.B)
                .Concat(friendships.Where(f => f.B == user.Index).Select(f => f.A)).ToArray();
        await Bounded.ForEach(friendships.Count, settings.Concurrency, stop, i =>
            requests.Befriend(users[friendships[i].A], users[friendships[i].B]));
        log.WriteLine($"setup: {friendships.Count} friendships ({settings.Friends} per user) after {clock.Elapsed.TotalSeconds:0.0} s");

        var articles = Enumerable.Range(0, settings.Articles)
            .Select(i => new ArticleRef(i, $"{tag}-a{i}", i * settings.Users / settings.Articles)).ToArray();
        var articleVersions = new long[settings.Articles];
        await Bounded.ForEach(settings.Articles, settings.Concurrency, stop, async i =>
            articleVersions[i] = await requests.SaveArticle(articles[i].Slug, users[articles[i].AuthorIndex]));
        log.WriteLine($"setup: {settings.Articles} articles saved; setup done in {clock.Elapsed.TotalSeconds:0.0} s (run tag {tag})");

        var watched = Enumerable.Range(0, settings.WatchedFeeds).Select(i => i * settings.Users / settings.WatchedFeeds).ToArray();
        return new Population(tag, admin, productIds, users, articles, watched, productVersions, articleVersions);
    }

    /// <summary>Each unordered pair once: (i, i + d) for d = 1 … F/2, and (i, i + U/2) for i below U/2 when F is odd.</summary>
    static List<(int A, int B)> Friendships(int users, int friends)
    {
        var pairs = new List<(int, int)>();
        for (var d = 1; d <= friends / 2; d++)
            for (var i = 0; i < users; i++)
                pairs.Add((i, (i + d) % users));
        if (friends % 2 == 1)
            for (var i = 0; i < users / 2; i++)
                pairs.Add((i, i + users / 2));
        return pairs;
    }

    static void Validate(SetupSettings settings)
    {
        if (settings.Products < 1 || settings.Users < 2 || settings.Articles < 1 || settings.Concurrency < 1)
            throw new ArgumentException("setup needs at least 1 product, 2 users, 1 article and a concurrency of 1");
        if (settings.Friends < 0 || settings.Friends >= settings.Users)
            throw new ArgumentException($"--friends must be from 0 to --users - 1 ({settings.Users - 1})");
        if (settings.Friends % 2 == 1 && settings.Users % 2 == 1)
            throw new ArgumentException("an odd --friends needs an even --users (every user gets the one opposite)");
        if (settings.Articles > settings.Users)
            throw new ArgumentException("--articles may not exceed --users (each article has its own author)");
        if (settings.WatchedFeeds < 1 || settings.WatchedFeeds > settings.Users)
            throw new ArgumentException("--watched-feeds must be from 1 to --users");
    }
}

/// <summary>A short random prefix for every name a run makes (users, slugs, product names).</summary>
public static class RunTag
{
    public static string New() => "cl" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
}
