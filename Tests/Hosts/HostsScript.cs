using System.Diagnostics;
using OrleansScale.Tests.Deployment;

namespace OrleansScale.Tests.Hosts;

/// <summary>deploy/hosts.sh, run as the tests' own layout: the port offset of the run plus one, so a layout a
/// developer has up at the run's offset is left alone, and the programs this test run built, so the test needs
/// no publish of its own.</summary>
public sealed class HostsScript
{
    public int Offset { get; } = int.Parse(Environment.GetEnvironmentVariable("ORLEANSSCALE_PORT_OFFSET") ?? "0") + 1;

    /// <summary>Every name of the layout begins with this (namespaces, links, processes).</summary>
    public string Prefix => $"os{Offset}";

    /// <summary>The first three parts of the layout's /24, as docs/hosts.md gives them.</summary>
    public string Network => $"10.{64 + Offset / 256 % 64}.{Offset % 256}";

    public Uri Api => new($"http://{Network}.3:{8080 + Offset}");

    public string SiloAddress(int silo) => $"{Network}.{10 + silo}";

    public const string AdminPassword = "hosts-admin-password";

    /// <summary>Brings up a layout of that many hosts after removing whatever an interrupted run left.</summary>
    public async Task UpAfresh(int hosts)
    {
        await Down();
        await Up(hosts);
    }

    public Task<string> Up(int hosts) =>
        Run(TimeSpan.FromMinutes(3), "up", hosts.ToString(), "--silo-build", BuildOf("Silo"), "--api-build", BuildOf("Client.Api"));

    public Task<string> Down() => Run(TimeSpan.FromMinutes(2), "down", "--purge");

    /// <summary>Brings the layout down and checks it left nothing: no namespace, no link, no process.</summary>
    public async Task DownLeavingNothing()
    {
        var processes = RecordedProcesses();
        await Down();
        Assert.Empty(await Leftovers());
        Assert.DoesNotContain(processes, IsRunning);
        Assert.Empty(RecordedProcesses());
    }

    /// <summary>deploy/hosts.sh fault ROLE KIND...: cut, one-way, lossy PERCENT, slow DELAY JITTER LOSS.</summary>
    public Task<string> Fault(string role, params string[] kind) => Run(TimeSpan.FromSeconds(90), ["fault", role, .. kind]);

    public Task<string> Heal(string role) => Run(TimeSpan.FromSeconds(30), "heal", role);

    /// <summary>The pids recorded for the layout's processes.</summary>
    public IReadOnlyList<int> RecordedProcesses() =>
        Directory.Exists(RunFolder)
            ? [.. Directory.GetFiles(RunFolder, $"{Prefix}-*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim()))]
            : [];

    string RunFolder => Path.Combine(DeploymentFiles.RepositoryRoot, ".data", "run");

    /// <summary>The layout's network namespaces and links on this machine, one a line.</summary>
    public async Task<IReadOnlyList<string>> Leftovers()
    {
        var namespaces = await Command("ip", "netns", "list");
        var links = await Command("ip", "-o", "link", "show");
        return [.. namespaces.Split('\n').Concat(links.Split('\n').Select(l => l.Split(": ").ElementAtOrDefault(1) ?? ""))
            .Select(l => l.Trim()).Where(l => l.StartsWith(Prefix + "-", StringComparison.Ordinal))];
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // The test run built both programs into their own projects' output folders, of the configuration and
    // framework this test assembly was built for: Tests/bin/<configuration>/<framework>/.
    static string BuildOf(string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(DeploymentFiles.RepositoryRoot, project, "bin", output.Parent!.Name, output.Name);
    }

    async Task<string> Run(TimeSpan timeout, params string[] arguments)
    {
        var script = Path.Combine(DeploymentFiles.RepositoryRoot, "deploy", "hosts.sh");
        return await Command(script, timeout, arguments);
    }

    Task<string> Command(string program, params string[] arguments) => Command(program, TimeSpan.FromSeconds(30), arguments);

    async Task<string> Command(string program, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["ORLEANSSCALE_PORT_OFFSET"] = Offset.ToString();
        start.Environment["Admin__Password"] = AdminPassword;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds:0} s:\n{await output}\n{await errors}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
        return await output + await errors;
    }
}
