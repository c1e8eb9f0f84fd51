using System.Globalization;

namespace OrleansScale.Bench.ClusterLoad.Cli;

/// <summary>The options every scenario shares: where the API is, who the administrator is, where the
/// results go, and the client's limits.</summary>
public sealed record RunSettings(
    string Scenario,
    Uri Api,
    string AdminName,
    string? AdminPassword,
    string AdminPasswordSource,
    string OutputDirectory,
    TimeSpan RequestTimeout,
    int Connections,
    int InFlightCap,
    int CheckConcurrency)
{
    public static RunSettings Read(CommandLine commandLine, string scenario)
    {
        var root = RepositoryRoot();
        var offset = int.TryParse(Environment.GetEnvironmentVariable("ORLEANSSCALE_PORT_OFFSET"), NumberStyles.Integer,
            CultureInfo.InvariantCulture, out var o) ? o : 0;
        var api = new Uri(commandLine.Text("api") ?? $"http://127.0.0.1:{8080 + offset}");

        var passwordFile = Path.Combine(root, ".data", "admin-password");
        var (password, source) = commandLine.Text("admin-password") is { } given ? (given, "--admin-password")
            : Environment.GetEnvironmentVariable("Admin__Password") is { Length: > 0 } fromEnvironment ? (fromEnvironment, "Admin__Password")
            : File.Exists(passwordFile) ? (File.ReadAllText(passwordFile).Trim(), passwordFile)
            : ((string?)null, passwordFile);

        var output = commandLine.Text("out") ?? Path.Combine(root, "bench", "results",
            $"{scenario}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}Z");
        return new RunSettings(
            scenario,
            api,
            commandLine.Text("admin") ?? "admin",
            password,
            source,
            Path.GetFullPath(output),
            commandLine.Duration("timeout", TimeSpan.FromSeconds(30)),
            commandLine.Int("connections", 4096, min: 1),
            commandLine.Int("in-flight-cap", 2000, min: 1),
            commandLine.Int("check-concurrency", 16, min: 1));
    }

    public string RequireAdminPassword() => AdminPassword
        ?? throw new ArgumentException($"no administrator password: give --admin-password, set Admin__Password, or start the cluster with deploy/up.sh (which writes {AdminPasswordSource})");

    /// <summary>The checkout this program belongs to (the folder holding OrleansScale.sln), found from the
    /// working folder or else from the program's own; the working folder when neither is inside one.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "OrleansScale.sln")))
                    return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
