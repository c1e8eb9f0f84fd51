using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Checks;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;
using OrleansScale.Bench.ClusterLoad.Queue;
using OrleansScale.Bench.ClusterLoad.Setup;
using OrleansScale.Bench.ClusterLoad.Workload;
using OrleansScale.Bench.ClusterLoad.Workload.Operations;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>The catalogue import as a new user would run it: C clients in a closed loop (each sends its
/// next request when the last is answered) create P products, then R reviewers each review every
/// product, oldest first. What it answers: does the import keep its pace to the end (last tenth within
/// 20 % of the first), how long the background work runs behind it, and is all of it there afterwards.
/// Shed answers are honoured as a polite client would (see <see cref="ClosedLoop"/>).</summary>
public sealed class ImportScenario(int clients, int products, int reviewers, TimeSpan settle, (TimeSpan StableFor, TimeSpan Limit) drain) : IScenario
{

    public static ImportScenario FromCommandLine(CommandLine commandLine) => new(
        commandLine.Int("clients", 32, min: 1),
        commandLine.Int("products", 10_000, min: ImportPace.Tenths),
        commandLine.Int("reviewers", 10, min: 1),
        commandLine.Duration("settle", TimeSpan.FromSeconds(60)),
        MixedWorkload.ReadDrain(commandLine));

    public async Task RunAsync(Run run, CancellationToken stop)
    {
        var requests = new SetupRequests(run.Api);
        var tag = RunTag.New();
        var setup = run.BeginPhase("setup", $"{reviewers} reviewers");
        var (admin, _) = await requests.SignIn(run.Settings.AdminName, run.Settings.RequireAdminPassword());
        var users = new UserAccount[reviewers];
        await Bounded.ForEach(reviewers, 8, stop, async i => users[i] = await requests.RegisterAndSignIn(i, $"{tag}-r{i}"));
        run.EndPhase(setup);
        run.Out.WriteLine($"setup: {reviewers} reviewers registered and signed in (run tag {tag})");

        var created = new string?[products];
        var createPhase = run.BeginPhase("import-products", $"{clients} clients create {products} products");
        var lastTaken = -1;
        var createTimes = await ClosedLoop.RunAsync(clients, createPhase.Stats("product-create", OperationGroup.Write), run.Clock, run.Timeline, stop,
            _ => Interlocked.Increment(ref lastTaken) is var i && i < products ? i : null,
            async i =>
            {
                var answer = await run.Api.Send(HttpMethod.Post, "/api/products", admin, SampleContent.Product(tag, i, 0), ApiJson.Default.ProductBody);
                if (!answer.Expect(201, ApiJson.Default.ProductDocument, $"creation of product {i}", out var product, out var outcome))
                    return outcome;
                created[i] = product.Id;
                return Outcome.Ok;
            });
        run.EndPhase(createPhase);
        await run.ReportAsync(createPhase);

        // Reviews go to the products created, in creation order (the order of their numbers).
        var productIds = created.OfType<string>().ToArray();
        var ledger = new ProductLedger(productIds.Length);
        var reviews = new ReviewLedger(ledger, reviewers);
        var reviewPhase = run.BeginPhase("import-reviews", $"{clients} clients: {reviewers} reviewers review each of {productIds.Length} products");
        var reviewTimes = await ClosedLoop.RunAsync(clients, reviewPhase.Stats("review", OperationGroup.Write), run.Clock, run.Timeline, stop,
            NextReview(productIds.Length),
            work =>
            {
                var (reviewer, product) = (work / productIds.Length, work % productIds.Length);
                return reviews.TryReserve(reviewer, product, out var pair) // a shed attempt is sent again from Ambiguous
                    ? Review.PostAsync(run.Api, run.Clock, reviewPhase, reviews, pair, users[reviewer], productIds[product])
                    : Task.FromResult(new Outcome(OutcomeKind.DriverError, $"pair {reviewer}/{product} handed out twice"));
            });
        run.EndPhase(reviewPhase);
        await run.ReportAsync(reviewPhase);

        var checks = new EndChecks(run.Api, run.Clock, run.Settings.CheckConcurrency);
        var drained = await DrainThenCheck.RunAsync(run, drain.StableFor, drain.Limit,
            (phase, ct) => checks.CheckStreams(phase, users, reviews, ct),
            async (phase, ct) =>
            {
                await checks.CheckProducts(phase, productIds, ledger, ct);
                await checks.CheckStreams(phase, users, reviews, ct);
            },
            stop);

        var settlePhase = run.BeginPhase("settle", $"no load for {settle.TotalSeconds:0} s: nothing should be queued");
        var watched = await Drain.WatchAsync(run.Queue, run.Clock, settle, stop);
        run.EndPhase(settlePhase);
        await run.ReportAsync(settlePhase);

        run.Out.WriteLine();
        run.Out.WriteLine("import:");
        var results = run.Results;
        results["products"] = ImportPace.Report(run.Out, "products", createTimes, createPhase.StartedAt);
        results["reviews"] = ImportPace.Report(run.Out, "reviews", reviewTimes, reviewPhase.StartedAt);
        run.Out.WriteLine($"  after the last write: {drained.Describe()}");
        run.Out.WriteLine($"  {settle.TotalSeconds:0} s later: " + watched.AnythingQueued switch
        {
            null => "queue depth not reported, cannot tell whether anything is queued",
            true => $"SOMETHING IS QUEUED (depth {watched.Last?.Depth}, at most {watched.MaxDepth} during the wait)",
            false => "nothing queued at any poll",
        });
        run.Out.WriteLine($"  dead letters: {QueueSnapshot.DescribeDeadLetters(watched.Last)}");
        results["queuedAfterSettle"] = watched.AnythingQueued;
        results["deadLetters"] = watched.Last?.DeadLetters;
    }

    /// <summary>Hands each client reviews to write: client c starts with reviewer c mod R and, when that
    /// reviewer has reviewed every product, helps the next one; each reviewer goes oldest product first.
    /// The work item is reviewer × products + product.</summary>
    Func<int, int?> NextReview(int productCount)
    {
        var cursors = new int[reviewers];
        return client =>
        {
            for (var tried = 0; tried < reviewers; tried++)
            {
                var reviewer = (client + tried) % reviewers;
                if (Interlocked.Increment(ref cursors[reviewer]) - 1 is var product && product < productCount)
                    return reviewer * productCount + product;
            }
            return null;
        };
    }
}
