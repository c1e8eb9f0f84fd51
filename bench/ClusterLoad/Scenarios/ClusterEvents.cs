using System.Diagnostics;
using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>One cluster operation while the load runs: a script of deploy/ started <see cref="At"/> after the
/// overload began ("185s:add-silo").</summary>
public sealed record ClusterEvent(TimeSpan At, string Script)
{
    /// <summary>The scripts an event may run: the operations users run on a cluster that serves (deploy/), and the
    /// crash of a silo (bench/kill-silo.sh).</summary>
    public static readonly IReadOnlyList<string> Scripts = ["add-silo", "remove-silo", "roll", "add-api", "kill-silo"];

    /// <summary>Faults rather than operations: their scripts are in bench/, not deploy/.</summary>
    public bool IsFault => Script == "kill-silo";

    /// <summary>"185s:add-silo,315s:remove-silo"; empty when not given.</summary>
    public static IReadOnlyList<ClusterEvent> ParseList(string? text, TimeSpan within)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];
        var events = new List<ClusterEvent>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':', 2);
            if (parts.Length != 2 || CommandLine.ParseDuration(parts[0]) is not { } at || !Scripts.Contains(parts[1]))
                throw new ArgumentException($"--events {item}: expected TIME:SCRIPT, as 185s:add-silo, with SCRIPT one of {string.Join(", ", Scripts)}");
            if (at >= within)
                throw new ArgumentException($"--events {item}: {at.TotalSeconds:0} s is not within the overload's {within.TotalSeconds:0} s");
            events.Add(new ClusterEvent(at, parts[1]));
        }
        return [.. events.OrderBy(e => e.At)];
    }
}

/// <summary>Runs the events one after the other while the overload runs, each from deploy/ (or bench/) of this
/// checkout with this process's environment (so ORLEANSSCALE_PORT_OFFSET names the same cluster), its output in
/// event-N-SCRIPT.log of the results. Start and end are marked on the timeline, so the charts show them, and
/// measured apart (<see cref="EventWindows"/>): the steady stretch before the first event (up to
/// <see cref="SteadyFor"/>), and each event from its start until <paramref name="tail"/> after it ended.</summary>
public sealed class ClusterEvents(IReadOnlyList<ClusterEvent> events, string deployDirectory, string benchDirectory, TimeSpan tail)
{
    /// <summary>How long one script may take (a roll builds and replaces every process).</summary>
    static readonly TimeSpan ScriptLimit = TimeSpan.FromMinutes(15);

    /// <summary>The longest steady stretch measured before the first event.</summary>
    public static readonly TimeSpan SteadyFor = TimeSpan.FromSeconds(60);

    public bool Any => events.Count > 0;

    public async Task<JsonArray> RunAsync(Run run, TimeSpan overloadStart, CancellationToken stop)
    {
        var done = new JsonArray();
        if (Any)
        {
            var first = overloadStart + events[0].At;
            var steadyFrom = first - TimeSpan.FromTicks(Math.Min(SteadyFor.Ticks, events[0].At.Ticks));
            run.Windows.Open(EventWindowReport.SteadyName, $"the {(first - steadyFrom).TotalSeconds:0} s before the first event", steadyFrom, first);
        }
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var wait = overloadStart + e.At - run.Clock.Elapsed;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, stop);
            run.Timeline.MarkEvent(e.Script);
            var started = run.Clock.Elapsed;
            var window = run.Windows.Open($"{e.Script} ({i + 1})",
                $"from its start until {tail.TotalSeconds:0} s after it ended", started);
            var log = Path.Combine(run.Settings.OutputDirectory, $"event-{i + 1}-{e.Script}.log");
            int exit;
            try
            {
                exit = await RunScript(Path.Combine(e.IsFault ? benchDirectory : deployDirectory, e.Script + ".sh"), log, stop);
            }
            finally
            {
                run.Windows.Close(window, run.Clock.Elapsed + tail);
            }
            run.Timeline.MarkEvent(e.Script + " done");
            var took = run.Clock.Elapsed - started;
            run.Out.WriteLine($"event {e.Script}: started {(started - overloadStart).TotalSeconds:0.0} s into the overload, " +
                              $"took {took.TotalSeconds:0.0} s, exit {exit} (output: {log})");
            done.Add(new JsonObject
            {
                ["script"] = e.Script,
                ["startedIntoOverloadS"] = Math.Round((started - overloadStart).TotalSeconds, 1),
                ["tookS"] = Math.Round(took.TotalSeconds, 1),
                ["exitCode"] = exit,
            });
        }
        return done;
    }

    static async Task<int> RunScript(string path, string logPath, CancellationToken stop)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var output = process.StandardOutput.ReadToEndAsync(stop);
        var errors = process.StandardError.ReadToEndAsync(stop);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(ScriptLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{path} did not finish within {ScriptLimit.TotalMinutes:0} minutes");
        }
        await File.WriteAllTextAsync(logPath, await output + await errors, CancellationToken.None);
        return process.ExitCode;
    }
}
