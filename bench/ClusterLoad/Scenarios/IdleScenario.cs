using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Queue;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>No traffic at all for a while, only the queue polled: an idle system should queue nothing
/// (a timer or reminder that publishes on its own would show here).</summary>
public sealed class IdleScenario(TimeSpan duration) : IScenario
{
    public static IdleScenario FromCommandLine(CommandLine commandLine) =>
        new(commandLine.Duration("duration", TimeSpan.FromSeconds(60)));

    public async Task RunAsync(Run run, CancellationToken stop)
    {
        var phase = run.BeginPhase("idle", $"no traffic for {duration.TotalSeconds:0} s");
        var watched = await Drain.WatchAsync(run.Queue, run.Clock, duration, stop);
        run.EndPhase(phase);
        await run.ReportAsync(phase);
        run.Out.WriteLine();
        run.Out.WriteLine("idle: " + watched.AnythingQueued switch
        {
            null => "queue depth not reported by the cluster: cannot tell whether anything was queued",
            true => $"SOMETHING WAS QUEUED (at most {watched.MaxDepth} messages)",
            false => "nothing queued at any poll",
        });
        run.Results["anythingQueued"] = watched.AnythingQueued;
        run.Results["maxDepth"] = watched.MaxDepth;
    }
}
