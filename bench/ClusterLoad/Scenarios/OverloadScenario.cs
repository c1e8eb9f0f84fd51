using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Queue;
using OrleansScale.Bench.ClusterLoad.Setup;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>Overload and recovery: reads alone for a quiet baseline, then the mix at a multiple of the
/// sustainable write rate, then no load at all while the queue drains, then the end checks. What it
/// answers: how much slower do reads get, is anything wrong or lost, how long is the backlog.</summary>
public sealed class OverloadScenario(
    SetupSettings setup, LoadMix mix, double sustainableRate, double multiple, TimeSpan duration, TimeSpan warmup,
    TimeSpan quietDuration, (TimeSpan StableFor, TimeSpan Limit) drain, ClusterEvents events) : IScenario
{
    public static OverloadScenario FromCommandLine(CommandLine commandLine)
    {
        var duration = commandLine.Duration("duration", TimeSpan.FromMinutes(10));
        return new(
            MixedWorkload.ReadSetup(commandLine),
            LoadMix.Read(commandLine),
            commandLine.Double("rate", double.NaN, min: 0.1) is var rate && double.IsNaN(rate)
                ? throw new ArgumentException("overload needs --rate: the sustainable write rate the ramp scenario found")
                : rate,
            commandLine.Double("multiple", 2, min: 0.01),
            duration,
            commandLine.Duration("warmup", TimeSpan.FromSeconds(10)),
            commandLine.Duration("quiet", TimeSpan.FromSeconds(30)),
            MixedWorkload.ReadDrain(commandLine),
            new ClusterEvents(ClusterEvent.ParseList(commandLine.Text("events"), duration),
                commandLine.Text("deploy-dir") ?? Path.Combine(RunSettings.RepositoryRoot(), "deploy"),
                Path.Combine(RunSettings.RepositoryRoot(), "bench"),
                commandLine.Duration("event-tail", TimeSpan.FromSeconds(10))));
    }

    public async Task RunAsync(Run run, CancellationToken stop)
    {
        var work = await MixedWorkload.SetUpAsync(run, setup, mix, stop);

        await MixedWorkload.WarmUpAsync(run, work.Load(0), mix.Describe(0), warmup, stop);

        var quiet = run.BeginPhase("quiet", mix.Describe(0) + " (the baseline)");
        await run.RunLoadAsync(quiet, work.Load(0), quietDuration, stop);

        var writeRate = sustainableRate * multiple;
        var overload = run.BeginPhase("overload", $"{multiple:0.##} x {sustainableRate:0.#}/s: " + mix.Describe(writeRate));
        var operations = events.RunAsync(run, run.Clock.Elapsed, stop);
        await run.RunLoadAsync(overload, work.Load(writeRate), duration, stop);
        // An event still running when the load stops (a long roll) is waited for before the drain.
        run.Results["events"] = await operations;

        // The drain starts the moment the load stops; the overload's last answers come in meanwhile.
        var draining = work.DrainAndCheckAsync(run, drain.StableFor, drain.Limit, stop);
        await run.ReportAsync(quiet);
        await run.ReportAsync(overload);
        var windows = EventWindowReport.Print(run.Out, run.Windows.All);
        var drained = await draining;

        var quietP99 = P99(quiet, "product-read");
        var overloadP99 = P99(overload, "product-read");
        double? ratio = quietP99 is { } q && overloadP99 is { } o && q > TimeSpan.Zero ? o / q : null;
        var totals = SummaryJson.Totals(run.Phases);
        var change = new QueueChange(overload.QueueAtStart, drained.Drain.QueueAtEnd);
        var end = drained.Checks.QueueAtEnd;

        run.Out.WriteLine();
        run.Out.WriteLine($"overload at {writeRate:0.#} writes/s ({multiple:0.##} x {sustainableRate:0.#}/s) for {overload.Duration.TotalSeconds:0} s:");
        run.Out.WriteLine($"  product-read p99: quiet {PhaseReport.Ms(quietP99)} ms, overload {PhaseReport.Ms(overloadP99)} ms, ratio {ratio?.ToString("0.0") ?? "n/a"}");
        run.Out.WriteLine($"  wrong {totals["wrong"]}, lost {totals["lost"]}, failed {(long)totals["failed5xx"]! + (long)totals["timeout"]! + (long)totals["reset"]!}, " +
                          $"shed {totals["shed"]}, not sent {(long)totals["notSentCap"]! + (long)totals["keyBusy"]!}");
        run.Out.WriteLine($"  drain: {drained.Describe()}");
        run.Out.WriteLine($"  dead letters at the end: {QueueSnapshot.DescribeDeadLetters(end)}");
        foreach (var n in change.Namespaces)
            run.Out.WriteLine($"  amplification {n.Namespace}: {n.Amplification?.ToString("0.00") ?? "n/a"} (produced +{n.Produced}, published +{n.Published}, overload and drain)");
        if (change.Namespaces.Count == 0)
            run.Out.WriteLine("  amplification: n/a (the cluster reports no per-namespace counters)");

        run.Results["writeRate"] = writeRate;
        run.Results["productReadP99MsQuiet"] = SummaryJson.Ms(quietP99);
        run.Results["productReadP99MsOverload"] = SummaryJson.Ms(overloadP99);
        run.Results["productReadP99Ratio"] = ratio is { } r ? Math.Round(r, 3) : null;
        run.Results["deadLettersAtEnd"] = end?.DeadLetters;
        if (windows.Count > 0)
            run.Results["windows"] = windows;
        run.Results["amplification"] = new JsonObject(change.Namespaces.Select(n => KeyValuePair.Create(n.Namespace, (JsonNode?)n.Amplification)));
    }

    static TimeSpan? P99(Phase phase, string operation) =>
        phase.Operations.FirstOrDefault(o => o.Name == operation)?.Latency.Percentile(0.99);
}
