using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Queue;
using OrleansScale.Bench.ClusterLoad.Workload;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>What every scenario runs in: the client, the clock, the queue poller and the timeline from
/// the first second on, the phases in order, and at the end the files: timeline.csv, the charts,
/// summary.txt (what was printed) and summary.json.</summary>
public sealed class Run : IAsyncDisposable
{
    readonly TeeWriter output;
    readonly List<Phase> phases = [];
    readonly CancellationTokenSource background = new();
    readonly Task monitoring;
    readonly Task sampling;

    public Run(RunSettings settings, TextWriter console)
    {
        Settings = settings;
        output = new TeeWriter(console);
        Out = TextWriter.Synchronized(output);
        Api = new ApiClient(settings.Api, settings.RequestTimeout, settings.Connections);
        Queue = new QueueMonitor(Api, Clock);
        Timeline = new Timeline(Clock, Queue);
        Scheduler = new OpenLoopScheduler(Clock, Timeline, Windows, settings.InFlightCap, Out);
        monitoring = Queue.RunAsync(background.Token);
        sampling = Timeline.RunAsync(background.Token);
    }

    public RunSettings Settings { get; }
    public TextWriter Out { get; }
    public RunClock Clock { get; } = new();
    public ApiClient Api { get; }
    public QueueMonitor Queue { get; }
    public Timeline Timeline { get; }
    public OpenLoopScheduler Scheduler { get; }

    /// <summary>Stretches measured apart from the phases (<see cref="EventWindows"/>): what a cluster event cost.</summary>
    public EventWindows Windows { get; } = new();

    /// <summary>The scenario's own findings for summary.json (the sustainable rate, the drain time, …).</summary>
    public JsonObject Results { get; } = [];

    public IReadOnlyList<Phase> Phases => phases;

    /// <summary>Waits for the first poll of the queue, so the first phase has a queue state to start from.</summary>
    public async Task StartAsync() => await Queue.NextAsync();

    public Phase BeginPhase(string name, string description)
    {
        var phase = new Phase(name, description, Clock.Elapsed) { QueueAtStart = Queue.Latest };
        phases.Add(phase);
        Timeline.MarkPhase(name);
        return phase;
    }

    /// <summary>Offers the load for the phase's duration; the phase's queue end is when the load stops.</summary>
    public async Task RunLoadAsync(Phase phase, IReadOnlyList<OfferedLoad> load, TimeSpan duration, CancellationToken stop)
    {
        await Scheduler.RunAsync(phase, load, duration, stop);
        phase.QueueAtEnd = Queue.Latest;
    }

    /// <summary>Ends a phase that sent no scheduled load (a drain, checks, a closed loop).</summary>
    public void EndPhase(Phase phase)
    {
        phase.SchedulingDone(Clock.Elapsed);
        phase.QueueAtEnd ??= Queue.Latest;
    }

    /// <summary>Prints the phase once its last answer is in.</summary>
    public async Task ReportAsync(Phase phase)
    {
        await phase.WhenQuiet;
        PhaseReport.Print(Out, phase);
    }

    /// <summary>Stops polling and sampling, prints the run's totals and writes the files; their paths.</summary>
    public async Task<IReadOnlyList<string>> FinishAsync()
    {
        await background.CancelAsync();
        await Task.WhenAll(monitoring, sampling);
        Directory.CreateDirectory(Settings.OutputDirectory);
        var totals = SummaryJson.Totals(phases);
        Out.WriteLine();
        Out.WriteLine($"run totals: wrong {totals["wrong"]}, lost {totals["lost"]}, failed {(long)totals["failed5xx"]! + (long)totals["timeout"]! + (long)totals["reset"]!} " +
                      $"(5xx {totals["failed5xx"]}, timeout {totals["timeout"]}, reset {totals["reset"]}), shed {totals["shed"]}, " +
                      $"not sent {totals["notSentCap"]} (client cap) + {totals["keyBusy"]} (no free key)" +
                      (Queue.FailedPolls > 0 ? $"; {Queue.FailedPolls} polls of /api/cluster failed" : ""));
        foreach (var (shedTitle, count) in SummaryJson.ShedByTitle(phases.SelectMany(p => p.Operations)))
            Out.WriteLine($"  shed {count} x \"{shedTitle}\"");

        var files = new List<string> { Path.Combine(Settings.OutputDirectory, "timeline.csv") };
        Timeline.WriteCsv(files[0]);
        files.AddRange(TimelineCharts.Write(Timeline, Settings.OutputDirectory, $"{Settings.Scenario} {Clock.StartedAtUtc:yyyy-MM-dd HH:mm} UTC"));
        var json = Path.Combine(Settings.OutputDirectory, "summary.json");
        SummaryJson.Write(json, new JsonObject
        {
            ["scenario"] = Settings.Scenario,
            ["startedAt"] = Clock.StartedAtUtc.ToString("O"),
            ["api"] = Settings.Api.ToString(),
            ["results"] = Results,
            ["totals"] = totals,
            ["phases"] = new JsonArray([.. phases.Select(p => (JsonNode)SummaryJson.Phase(p))]),
        });
        files.Add(json);
        var text = Path.Combine(Settings.OutputDirectory, "summary.txt");
        files.Add(text);
        Out.WriteLine("written:");
        foreach (var file in files)
            Out.WriteLine("  " + file);
        await File.WriteAllTextAsync(text, output.Copy);
        return files;
    }

    public async ValueTask DisposeAsync()
    {
        if (!background.IsCancellationRequested)
            await background.CancelAsync();
        await Task.WhenAll(monitoring, sampling);
        Api.Dispose();
        background.Dispose();
    }
}
