using OrleansScale.Bench.ClusterLoad.Checks;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Setup;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>The part of ramp and overload that is the same: the setup options, the population, the
/// operations (made once, so their in-flight counts span phases), and the drain with its end checks.</summary>
public sealed class MixedWorkload
{
    readonly Dictionary<string, Operation> operations;

    MixedWorkload(WorkloadContext context, LoadMix mix)
    {
        Context = context;
        Mix = mix;
        operations = OperationCatalog.Writes.Concat(OperationCatalog.Reads)
            .ToDictionary(name => name, name => OperationCatalog.Create(name, context));
    }

    public WorkloadContext Context { get; }

    public LoadMix Mix { get; }

    public static SetupSettings ReadSetup(CommandLine commandLine) => new(
        Products: commandLine.Int("products", 2000, min: 1),
        Users: commandLine.Int("users", 200, min: 2),
        Friends: commandLine.Int("friends", 10),
        Articles: commandLine.Int("articles", 20, min: 1),
        WatchedFeeds: commandLine.Int("watched-feeds", 20, min: 1),
        Concurrency: commandLine.Int("setup-concurrency", 32, min: 1));

    public static async Task<MixedWorkload> SetUpAsync(Run run, SetupSettings settings, LoadMix mix, CancellationToken stop)
    {
        var phase = run.BeginPhase("setup", $"{settings.Products} products, {settings.Users} users with {settings.Friends} friends each, {settings.Articles} articles");
        var population = await new PopulationSetup(new SetupRequests(run.Api), run.Out)
            .CreateAsync(settings, run.Settings.AdminName, run.Settings.RequireAdminPassword(), stop);
        run.EndPhase(phase);
        return new MixedWorkload(new WorkloadContext(run.Api, run.Clock, population), mix);
    }

    /// <summary>The writes at <paramref name="writeRate"/> by the mix, and the reads at their fixed rates.</summary>
    public IReadOnlyList<OfferedLoad> Load(double writeRate, bool withReads = true) =>
        Mix.Rates(writeRate, withReads).Select(r => new OfferedLoad(operations[r.Operation], r.Rate)).ToList();

    /// <summary>Offers <paramref name="load"/> for a while and reports it, counted nowhere else: the first
    /// seconds after setup are slow for reasons that are not load (tiered JIT in the API and the silos,
    /// first calls of each grain), and a baseline or a first step that included them would mislead.</summary>
    public static async Task WarmUpAsync(Run run, IReadOnlyList<OfferedLoad> load, string description, TimeSpan duration, CancellationToken stop)
    {
        if (duration <= TimeSpan.Zero)
            return;
        var warming = run.BeginPhase("warmup", description + " (not counted)");
        await run.RunLoadAsync(warming, load, duration, stop);
        await run.ReportAsync(warming);
    }

    public Task<DrainReport> DrainAndCheckAsync(Run run, TimeSpan stableFor, TimeSpan limit, CancellationToken stop)
    {
        var checks = new EndChecks(run.Api, run.Clock, run.Settings.CheckConcurrency);
        var population = Context.Population;
        return DrainThenCheck.RunAsync(run, stableFor, limit,
            async (phase, ct) =>
            {
                await checks.CheckFeeds(phase, population, Context.Reviews, ct);
                await checks.CheckArticles(phase, population.Articles, Context.Articles, ct);
            },
            async (phase, ct) =>
            {
                await checks.CheckFeeds(phase, population, Context.Reviews, ct);
                await checks.CheckArticles(phase, population.Articles, Context.Articles, ct);
                await checks.CheckProducts(phase, population.ProductIds, Context.Products, ct);
                await checks.CheckCarts(phase, population.Users, Context.Carts, ct);
            },
            stop);
    }

    /// <summary>Drain options shared by every scenario that drains.</summary>
    public static (TimeSpan StableFor, TimeSpan Limit) ReadDrain(CommandLine commandLine) =>
        (commandLine.Duration("drain-stable", TimeSpan.FromSeconds(10)), commandLine.Duration("drain-limit", TimeSpan.FromMinutes(15)));
}
