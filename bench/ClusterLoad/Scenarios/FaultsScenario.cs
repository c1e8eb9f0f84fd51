using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Faults;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Setup;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>Network faults under a steady mixed load, on the hosts layout of deploy/hosts.sh: a steady phase,
/// then for each fault a phase with the fault in place and a phase after it is healed, while the load goes on;
/// then the drain and the end checks. What it answers: is any acknowledged write lost or any answer wrong, how
/// many requests fail while a host is cut off and after it heals, and how long until every silo is back.</summary>
public sealed class FaultsScenario(
    SetupSettings setup, LoadMix mix, double writeRate, IReadOnlyList<HostFault> faults, TimeSpan faultFor, TimeSpan recoverFor,
    TimeSpan warmup, TimeSpan steady, (TimeSpan StableFor, TimeSpan Limit) drain, string hostsScript) : IScenario
{
    public static FaultsScenario FromCommandLine(CommandLine commandLine) => new(
        MixedWorkload.ReadSetup(commandLine),
        LoadMix.Read(commandLine),
        commandLine.Double("rate", 40, min: 0.1),
        HostFault.ParseList(commandLine.Text("faults") ?? HostFault.Defaults),
        commandLine.Duration("fault-for", TimeSpan.FromSeconds(20)),
        commandLine.Duration("recover-for", TimeSpan.FromSeconds(60)),
        commandLine.Duration("warmup", TimeSpan.FromSeconds(10)),
        commandLine.Duration("steady", TimeSpan.FromSeconds(30)),
        MixedWorkload.ReadDrain(commandLine),
        commandLine.Text("hosts-script") ?? Path.Combine(RunSettings.RepositoryRoot(), "deploy", "hosts.sh"));

    public async Task RunAsync(Run run, CancellationToken stop)
    {
        var script = new HostsScript(hostsScript);
        var work = await MixedWorkload.SetUpAsync(run, setup, mix, stop);
        var load = work.Load(writeRate);
        await MixedWorkload.WarmUpAsync(run, load, mix.Describe(writeRate), warmup, stop);

        // Each phase is printed once its last answer is in, while the next one runs.
        var reports = new List<Task>();
        var before = run.BeginPhase("steady", "no fault: " + mix.Describe(writeRate));
        await run.RunLoadAsync(before, load, steady, stop);
        reports.Add(run.ReportAsync(before));
        var silos = await ClusterStrength.ActiveSilos(run.Api)
            ?? throw new SetupFailedException("/api/cluster does not answer before any fault");

        var outcomes = new List<(HostFault Fault, Phase During, Phase After, TimeSpan? WholeAfter)>();
        foreach (var (fault, i) in faults.Select((f, i) => (f, i + 1)))
        {
            var during = run.BeginPhase($"fault {i}", $"{fault.Describe()} for {faultFor.TotalSeconds:0} s, the load going on");
            await script.Fault(fault);
            try
            {
                await run.RunLoadAsync(during, load, faultFor, stop);
            }
            finally
            {
                await script.Heal(fault.Host);
            }
            reports.Add(run.ReportAsync(during));
            var after = run.BeginPhase($"healed {i}", $"{fault.Host} healed; {recoverFor.TotalSeconds:0} s of load, every silo awaited Active");
            var healedAt = run.Clock.Elapsed;
            var whole = AwaitActiveAsync(run, silos, recoverFor, stop);
            await run.RunLoadAsync(after, load, recoverFor, stop);
            var wholeAt = await whole;
            reports.Add(run.ReportAsync(after));
            outcomes.Add((fault, during, after, wholeAt - healedAt));
        }

        // The drain starts the moment the load stops; the last phase's answers come in meanwhile.
        var draining = work.DrainAndCheckAsync(run, drain.StableFor, drain.Limit, stop);
        await Task.WhenAll(reports);
        var drained = await draining;

        run.Out.WriteLine();
        run.Out.WriteLine($"faults at {writeRate:0.#} writes/s, {silos} silos:");
        var results = new JsonArray();
        foreach (var (fault, during, after, wholeAfter) in outcomes)
        {
            var whole = wholeAfter is { } w ? $"all {silos} silos Active {w.TotalSeconds:0.0} s after the heal" : $"NOT all {silos} silos Active within {recoverFor.TotalSeconds:0} s";
            run.Out.WriteLine($"  {fault.Describe(),-18} failed {Failed(during)} of {Sent(during)} during, {Failed(after)} of {Sent(after)} after; {whole}");
            results.Add(new JsonObject
            {
                ["fault"] = fault.Describe(),
                ["failedDuring"] = Failed(during),
                ["failedAfter"] = Failed(after),
                ["wholeAfterSeconds"] = wholeAfter is { } s ? Math.Round(s.TotalSeconds, 1) : null,
            });
        }
        var totals = SummaryJson.Totals(run.Phases);
        run.Out.WriteLine($"  wrong {totals["wrong"]}, lost {totals["lost"]} (after the drain: {drained.Describe()})");
        run.Results["writeRate"] = writeRate;
        run.Results["faults"] = results;
    }

    /// <summary>Polls /api/cluster once a second until it shows <paramref name="silos"/> Active silos; when, or
    /// null if not within <paramref name="limit"/>.</summary>
    static async Task<TimeSpan?> AwaitActiveAsync(Run run, int silos, TimeSpan limit, CancellationToken stop)
    {
        var end = run.Clock.Elapsed + limit;
        while (run.Clock.Elapsed < end)
        {
            if (await ClusterStrength.ActiveSilos(run.Api) >= silos)
                return run.Clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(1), stop);
        }
        return null;
    }

    static long Sent(Phase phase) => phase.Operations.Sum(o => o.Sent);

    static long Failed(Phase phase) => phase.Operations.Sum(o => o.Failed);
}
