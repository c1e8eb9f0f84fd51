using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Queue;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>How the drain went. <see cref="ConvergedAfter"/> is set only when the cluster reports no queue
/// depth: the drain is then timed by the end checks of background work, which must pass.</summary>
public sealed record DrainReport(DrainResult Queue, TimeSpan? ConvergedAfter, Phase Drain, Phase Checks)
{
    public string Describe() => Queue.DepthReported ? Queue.Describe()
        : ConvergedAfter is { } after
            ? $"queue depth not reported; background work caught up (end checks of it passing) after {after.TotalSeconds:0.0} s"
            : $"queue depth not reported; background work NOT caught up after {Drain.Duration.TotalSeconds:0} s";

    /// <summary>Seconds from the end of the load until the queue was empty (or, without a depth, the checks passed).</summary>
    public double? Seconds => (Queue.Elapsed ?? ConvergedAfter) is { } elapsed ? Math.Round(elapsed.TotalSeconds, 3) : null;
}

/// <summary>After the load stops: wait for the queue to empty, then check that everything acknowledged is
/// there. Without a reported depth there is nothing to wait on but the outcome itself, so the checks of
/// background work (feeds, streams, renders) are repeated, one round every two polls, until they pass or
/// the limit is reached; those rounds are not reported, the final checks are.</summary>
public static class DrainThenCheck
{
    public static async Task<DrainReport> RunAsync(Run run, TimeSpan stableFor, TimeSpan limit,
        Func<Phase, CancellationToken, Task> backgroundChecks, Func<Phase, CancellationToken, Task> allChecks, CancellationToken stop)
    {
        var drain = run.BeginPhase("drain", "no load: waiting for the queue to empty");
        var queue = await Drain.WaitForEmptyAsync(run.Queue, run.Clock, stableFor, limit, stop);
        TimeSpan? converged = null;
        if (!queue.DepthReported)
        {
            drain.Description = "no load: queue depth not reported, waiting until the end checks of background work pass";
            while (!stop.IsCancellationRequested)
            {
                var round = new Phase("convergence round", "", run.Clock.Elapsed);
                await backgroundChecks(round, stop);
                if (round.Operations.Sum(o => o[OutcomeKind.Lost] + o[OutcomeKind.Wrong] + o.Failed) == 0)
                {
                    converged = run.Clock.Elapsed - drain.StartedAt;
                    break;
                }
                if (run.Clock.Elapsed - drain.StartedAt >= limit)
                    break;
                await run.Queue.NextAsync().WaitAsync(stop);
                await run.Queue.NextAsync().WaitAsync(stop);
            }
        }
        run.EndPhase(drain);
        await run.ReportAsync(drain);

        var checks = run.BeginPhase("end-checks", "after the drain: everything acknowledged must be there");
        await allChecks(checks, stop);
        run.EndPhase(checks);
        await run.ReportAsync(checks);
        var report = new DrainReport(queue, converged, drain, checks);
        run.Out.WriteLine("drain: " + report.Describe());
        run.Results["drainSeconds"] = report.Seconds;
        run.Results["drainMeasuredBy"] = queue.DepthReported ? "queue depth" : "end checks of background work";
        return report;
    }
}
