using System.Runtime.InteropServices;
using OrleansScale.Deploy.SlowLink;

// SlowLink INSIDE OUTSIDE DELAY JITTER LOSS [LIMIT [SEED]]: two TAP interfaces joined by a cable that delays and
// loses frames both ways. deploy/hosts.sh moves INSIDE into a host's namespace, as its network interface,
// and puts OUTSIDE on the bridge, so that host's traffic takes the slow cable (docs/hosts.md). Runs until
// SIGTERM or SIGINT; the interfaces go with the process.
if (args.Length is < 5 or > 7)
{
    Console.Error.WriteLine("usage: SlowLink INSIDE OUTSIDE DELAY JITTER LOSS [LIMIT [SEED]]   e.g. SlowLink os0-silo1i os0-silo1o 100ms 20ms 5% 1000");
    return 2;
}

LinkSettings settings;
int? seed = null;
try
{
    settings = new LinkSettings(LinkSettings.ParseTime(args[2]), LinkSettings.ParseTime(args[3]),
        LinkSettings.ParsePercent(args[4]), args.Length > 5 ? int.Parse(args[5]) : 1000);
    if (settings.Limit < 1)
        throw new FormatException($"The limit is at least one frame: '{args[5]}'.");
    if (args.Length > 6)
        seed = int.Parse(args[6]);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var inside = new TapDevice(args[0]);
using var outside = new TapDevice(args[1]);
// One generator per direction: Random is not thread-safe, and a seed makes a run's losses repeatable.
var lines = new[]
{
    new DelayLine($"{inside.Name} -> {outside.Name}", inside, outside, settings, seed is { } s ? new Random(s) : new Random()),
    new DelayLine($"{outside.Name} -> {inside.Name}", outside, inside, settings, seed is { } t ? new Random(t + 1) : new Random()),
};
foreach (var line in lines)
    line.Start();
Console.WriteLine($"ready: {inside.Name} <-> {outside.Name}, {settings}");

var stopped = new TaskCompletionSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
using var report = new Timer(_ => { foreach (var line in lines) Console.WriteLine(line.Counts()); }, null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
await stopped.Task;
foreach (var line in lines)
    Console.WriteLine(line.Counts());
return 0;
