using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Checks;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;
using OrleansScale.Bench.ClusterLoad.Queue;
using OrleansScale.Bench.ClusterLoad.Setup;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>The catalogue import as a new user would run it: C clients in a closed loop (each sends its
/// next request when the last is answered) create P products, then R reviewers each review every
/// product, oldest first. What it answers: does the import keep its pace to the end (last tenth within
/// 20 % of the first), how long the background work runs behind it, and is all of it there afterwards.
/// Shed answers are honoured as a polite client would: wait a second (Retry-After) and send again.</summary>
public sealed class ImportScenario(int clients, int products, int reviewers, TimeSpan settle, (TimeSpan StableFor, TimeSpan Limit) drain) : IScenario
{
    const int Tenths = 10;
    static readonly TimeSpan ShedPause = TimeSpan.FromSeconds(1);

    public static ImportScenario FromCommandLine(CommandLine commandLine) => new(
        commandLine.Int("clients", 32, min: 1),
        commandLine.Int("products", 10_000, min: Tenths),
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
        var createTimes = await ClosedLoop(run, createPhase, "product-create", stop,
            _ => Interlocked.Increment(ref lastTaken) is var i && i < products ? i : null,
            async i =>
            {
                var answer = await run.Api.Send(HttpMethod.Post, "/api/products", admin, SampleContent.Product(tag, i, 0), ApiJson.Default.ProductBody);
                if (!answer.Expect(201, ApiJson.Default.ProductDocument, $"creation of product {i}", out var product, out var outcome))
                    return outcome;
                created[i] = product.Id;
                return Outcome.Ok;
            });
        await run.ReportAsync(createPhase);

        // Reviews go to the products created, in creation order (the order of their numbers).
        var productIds = created.OfType<string>().ToArray();
        var ledger = new ProductLedger(productIds.Length);
        var reviews = new ReviewLedger(ledger, reviewers);
        var reviewPhase = run.BeginPhase("import-reviews", $"{clients} clients: {reviewers} reviewers review each of {productIds.Length} products");
        var reviewTimes = await ClosedLoop(run, reviewPhase, "review", stop, NextReview(productIds.Length),
            async work =>
            {
                var (reviewer, product) = (work / productIds.Length, work % productIds.Length);
                if (!reviews.TryReserve(reviewer, product, out var pair))
                    return Outcome.Wrong($"driver bookkeeping: pair {reviewer}/{product} taken twice");
                var answer = await run.Api.Send(HttpMethod.Post, $"/api/products/{productIds[product]}/reviews", users[reviewer].Bearer,
                    SampleContent.Review(reviewer, product), ApiJson.Default.ReviewBody);
                if (answer.Status == 409 && pair.WasAmbiguous)
                {
                    reviews.Exists(pair);
                    return Outcome.Ok;
                }
                if (!answer.Expect(201, ApiJson.Default.ReviewDocument, $"review of {productIds[product]}", out var review, out var outcome))
                {
                    reviews.Ambiguous(pair);
                    return outcome;
                }
                reviews.Acknowledge(pair, review, run.Clock.Elapsed, reviewPhase);
                return Outcome.Ok;
            });
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
        results["products"] = Pace(run.Out, "products", createTimes, createPhase.StartedAt);
        results["reviews"] = Pace(run.Out, "reviews", reviewTimes, reviewPhase.StartedAt);
        run.Out.WriteLine($"  after the last write: {drained.Describe()}");
        run.Out.WriteLine($"  {settle.TotalSeconds:0} s later: " + watched.AnythingQueued switch
        {
            null => "queue depth not reported, cannot tell whether anything is queued",
            true => $"SOMETHING IS QUEUED (depth {watched.Last?.Depth}, at most {watched.MaxDepth} during the wait)",
            false => "nothing queued at any poll",
        });
        run.Out.WriteLine($"  dead letters: {watched.Last?.DeadLetters?.ToString() ?? "n/a"}" +
                          (watched.Last?.DeadLettersByReason is { Count: > 0 } reasons ? " (" + string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value}")) + ")" : ""));
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

    /// <summary>Runs the clients until <paramref name="next"/> (given the client's number) has no more work
    /// for them; the run-clock times at which each successful request completed, in order.</summary>
    async Task<TimeSpan[]> ClosedLoop(Run run, Phase phase, string operation, CancellationToken stop,
        Func<int, int?> next, Func<int, Task<Outcome>> send)
    {
        var stats = phase.Stats(operation, OperationGroup.Write);
        var completions = new ConcurrentQueue<TimeSpan>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && next(client) is { } work)
            {
                while (true)
                {
                    var sent = run.Clock.Elapsed;
                    run.Timeline.Due(OperationGroup.Write, sent);
                    var outcome = await send(work);
                    var latency = run.Clock.Elapsed - sent;
                    stats.Record(outcome, latency);
                    run.Timeline.Ended(OperationGroup.Write, outcome, latency);
                    if (outcome.Kind == OutcomeKind.Ok)
                        completions.Enqueue(run.Clock.Elapsed);
                    if (outcome.Kind != OutcomeKind.Shed || !await Pause(stop))
                        break;
                }
            }
        }, stop)));
        run.EndPhase(phase);
        return [.. completions.Order()];
    }

    /// <summary>Waits out a shed answer's Retry-After; false when stopped meanwhile.</summary>
    static async Task<bool> Pause(CancellationToken stop)
    {
        try
        {
            await Task.Delay(ShedPause, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Prints and returns the overall rate and the rate of each tenth of the completions.</summary>
    static JsonObject Pace(TextWriter output, string what, TimeSpan[] completions, TimeSpan start)
    {
        if (completions.Length < Tenths)
        {
            output.WriteLine($"  {what}: only {completions.Length} succeeded, too few to pace");
            return new JsonObject { ["succeeded"] = completions.Length };
        }
        var overall = completions.Length / (completions[^1] - start).TotalSeconds;
        var tenths = new double[Tenths];
        var previous = start;
        for (var t = 0; t < Tenths; t++)
        {
            var first = t * completions.Length / Tenths;
            var last = (t + 1) * completions.Length / Tenths - 1;
            tenths[t] = (last - first + 1) / Math.Max((completions[last] - previous).TotalSeconds, 0.001);
            previous = completions[last];
        }
        var ratio = tenths[^1] / tenths[0];
        output.WriteLine($"  {what}: {completions.Length} in {(completions[^1] - start).TotalSeconds:0.0} s = {overall:0.#}/s; per tenth " +
                         string.Join(" ", tenths.Select(r => r.ToString("0.#"))) + "/s");
        output.WriteLine($"    last tenth / first tenth = {ratio:0.00}: " +
                         (ratio >= 0.8 ? "goal met (the last tenth no more than 20 % slower)" : "goal NOT met: the last tenth more than 20 % slower"));
        return new JsonObject
        {
            ["succeeded"] = completions.Length,
            ["perSecond"] = Math.Round(overall, 2),
            ["perSecondByTenth"] = new JsonArray([.. tenths.Select(r => (JsonNode)Math.Round(r, 2))]),
            ["lastTenthOverFirst"] = Math.Round(ratio, 3),
        };
    }
}
