using System.Globalization;
using OrleansScale.Bench.ClusterLoad.Cli;
using OrleansScale.Bench.ClusterLoad.Scenarios;
using OrleansScale.Bench.ClusterLoad.Setup;

// ClusterLoad: the load driver for the whole system over its public HTTP API (README.md beside this file).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

IScenario scenario;
RunSettings settings;
try
{
    var commandLine = CommandLine.Parse(args);
    if (commandLine.Help || commandLine.Scenario is null)
    {
        Console.WriteLine(Usage.Text);
        return commandLine.Help ? 0 : 2;
    }
    scenario = commandLine.Scenario switch
    {
        "ramp" => RampScenario.FromCommandLine(commandLine),
        "overload" => OverloadScenario.FromCommandLine(commandLine),
        "import" => ImportScenario.FromCommandLine(commandLine),
        "idle" => IdleScenario.FromCommandLine(commandLine),
        "faults" => FaultsScenario.FromCommandLine(commandLine),
        var other => throw new ArgumentException($"unknown scenario '{other}' (ramp, overload, import, idle, faults; --help)"),
    };
    settings = RunSettings.Read(commandLine, commandLine.Scenario);
    commandLine.RejectUnread();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // cut the run short, but still write what was measured
    stop.Cancel();
};

await using var run = new Run(settings, Console.Out);
run.Out.WriteLine($"ClusterLoad {settings.Scenario} against {settings.Api}; results in {settings.OutputDirectory}");
await run.StartAsync();
try
{
    await scenario.RunAsync(run, stop.Token);
}
catch (Exception e) when (e is SetupFailedException or ArgumentException)
{
    run.Out.WriteLine("error: " + e.Message);
    await run.FinishAsync();
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    run.Out.WriteLine("interrupted: the results so far follow");
}
await run.FinishAsync();
var totals = OrleansScale.Bench.ClusterLoad.Measurement.SummaryJson.Totals(run.Phases);
return (long)totals["wrong"]! + (long)totals["lost"]! > 0 ? 3 : 0;
