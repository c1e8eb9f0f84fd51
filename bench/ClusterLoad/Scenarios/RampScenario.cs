using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Setup;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>Finds the highest sustainable write rate: steps of growing write rate (reads fixed beside
/// them), back to back, until a step is not sustainable. A step is judged once all its answers are in,
/// while the next step already runs; a failed judgement cuts that next step short.</summary>
public sealed class RampScenario(
    SetupSettings setup, LoadMix mix, TimeSpan warmup, double startRate, double factor, TimeSpan stepDuration, double maxRate,
    TimeSpan p99Limit, double ageLimitSeconds, double maxFailureRatio, (TimeSpan StableFor, TimeSpan Limit) drain) : IScenario
{
    const double MinServedRatio = 0.95;

    public static RampScenario FromCommandLine(CommandLine commandLine) => new(
        MixedWorkload.ReadSetup(commandLine),
        LoadMix.Read(commandLine),
        commandLine.Duration("warmup", TimeSpan.FromSeconds(10)),
        commandLine.Double("start", 50, min: 0.1),
        commandLine.Double("factor", 1.5, min: 1.01),
        commandLine.Duration("step", TimeSpan.FromSeconds(30)),
        commandLine.Double("max-rate", 5000, min: 0.1),
        commandLine.Duration("p99-limit", TimeSpan.FromSeconds(2)),
        commandLine.Duration("age-limit", TimeSpan.FromSeconds(30)).TotalSeconds,
        commandLine.Double("max-failures", 1) / 100,
        MixedWorkload.ReadDrain(commandLine));

    public async Task RunAsync(Run run, CancellationToken stop)
    {
        var work = await MixedWorkload.SetUpAsync(run, setup, mix, stop);
        await MixedWorkload.WarmUpAsync(run, work.Load(startRate), mix.Describe(startRate), warmup, stop);
        var verdicts = new List<StepVerdict>();
        (Phase Phase, double Rate)? previous = null;
        var stepNumber = 0;
        for (var rate = startRate; rate <= maxRate * 1.000001 && !stop.IsCancellationRequested; rate *= factor)
        {
            var step = run.BeginPhase($"step-{++stepNumber}", mix.Describe(rate));
            using var cutShort = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var running = run.RunLoadAsync(step, work.Load(rate), stepDuration, cutShort.Token);
            if (previous is { } judged && await Judge(run, judged.Phase, judged.Rate) is var verdict)
            {
                verdicts.Add(verdict);
                if (!verdict.Sustainable)
                {
                    await cutShort.CancelAsync();
                    await running;
                    await run.ReportAsync(step);
                    previous = null;
                    break;
                }
            }
            await running;
            previous = (step, rate);
        }
        if (previous is { Phase.Aborted: false } last) // a step cut short by an interruption is not judged
            verdicts.Add(await Judge(run, last.Phase, last.Rate));

        var sustainable = verdicts.TakeWhile(v => v.Sustainable).LastOrDefault();
        run.Out.WriteLine();
        run.Out.WriteLine(sustainable is null
            ? $"ramp: no step was sustainable; the first ({startRate:0.#} writes/s) was not"
            : verdicts.All(v => v.Sustainable)
                ? $"ramp: every step was sustainable up to --max-rate: highest sustainable write rate at least {sustainable.OfferedRate:0.#}/s (served {sustainable.ServedRate:0.#}/s)"
                : $"ramp: highest sustainable write rate {sustainable.OfferedRate:0.#}/s (served {sustainable.ServedRate:0.#}/s); next step {verdicts.First(v => !v.Sustainable).OfferedRate:0.#}/s was not");
        run.Results["highestSustainableWriteRate"] = sustainable?.OfferedRate;
        run.Results["limitedByMaxRate"] = verdicts.Count > 0 && verdicts.All(v => v.Sustainable);
        run.Results["steps"] = new JsonArray([.. verdicts.Select(v => (JsonNode)v.ToJson())]);

        await work.DrainAndCheckAsync(run, drain.StableFor, drain.Limit, stop);
    }

    async Task<StepVerdict> Judge(Run run, Phase step, double rate)
    {
        await run.ReportAsync(step);
        var writes = step.Operations.Where(o => o.Group == OperationGroup.Write).ToList();
        var due = writes.Sum(o => o.Due);
        var served = writes.Sum(o => o.Served);
        var latency = new LatencyHistogram();
        foreach (var w in writes)
            latency.Add(w.Latency);
        var p99 = latency.Percentile(0.99);
        var sent = step.Operations.Sum(o => o.Sent);
        var failureRatio = sent == 0 ? 0 : (double)step.Operations.Sum(o => o.Failed) / sent;
        var ageAtStart = step.QueueAtStart?.OldestAgeSeconds;
        var ageAtEnd = step.QueueAtEnd?.OldestAgeSeconds;

        var reasons = new List<string>();
        if (due > 0 && (double)served / due < MinServedRatio)
            reasons.Add($"served {100.0 * served / due:0.#} % of the writes offered (below {MinServedRatio:P0})");
        if (p99 > p99Limit)
            reasons.Add($"write p99 {p99.Value.TotalMilliseconds:0} ms above {p99Limit.TotalMilliseconds:0} ms");
        if (ageAtEnd > ageLimitSeconds && ageAtEnd > (ageAtStart ?? 0))
            reasons.Add($"queue oldest age grew to {ageAtEnd:0.#} s (from {ageAtStart?.ToString("0.#") ?? "n/a"} s), above {ageLimitSeconds:0.#} s");
        if (failureRatio > maxFailureRatio)
            reasons.Add($"{failureRatio:P1} of requests failed (above {maxFailureRatio:P1})");

        var verdict = new StepVerdict(step.Name, rate, served / Math.Max(step.Duration.TotalSeconds, 0.001), p99, ageAtEnd,
            failureRatio, reasons.Count == 0, reasons);
        run.Out.WriteLine($"{step.Name} at {rate:0.#} writes/s: " + (verdict.Sustainable ? "sustainable" : "NOT sustainable: " + string.Join("; ", reasons)) +
                          (ageAtEnd is null ? " (queue age not reported: that criterion not applied)" : ""));
        return verdict;
    }

    sealed record StepVerdict(string Step, double OfferedRate, double ServedRate, TimeSpan? WriteP99, double? QueueAgeAtEnd,
        double FailureRatio, bool Sustainable, IReadOnlyList<string> Reasons)
    {
        public JsonObject ToJson() => new()
        {
            ["step"] = Step,
            ["offeredWriteRate"] = OfferedRate,
            ["servedWriteRate"] = Math.Round(ServedRate, 2),
            ["writeP99Ms"] = SummaryJson.Ms(WriteP99),
            ["queueOldestAgeSecondsAtEnd"] = QueueAgeAtEnd,
            ["failureRatio"] = FailureRatio,
            ["sustainable"] = Sustainable,
            ["reasons"] = new JsonArray([.. Reasons.Select(r => (JsonNode)r)]),
        };
    }
}
