using System.Diagnostics;

namespace OrleansScale.Bench.ClusterLoad.Faults;

/// <summary>deploy/hosts.sh, for making and healing faults while the load runs. It inherits this process's
/// environment, so ORLEANSSCALE_PORT_OFFSET names the same layout as the API address does.</summary>
public sealed class HostsScript(string path)
{
    public Task Fault(HostFault fault) => Run(["fault", fault.Host, fault.Kind, .. fault.Arguments]);

    public Task Heal(string host) => Run(["heal", host]);

    async Task Run(string[] arguments)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{path} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {(await errors).Trim()} {(await output).Trim()}");
    }
}
