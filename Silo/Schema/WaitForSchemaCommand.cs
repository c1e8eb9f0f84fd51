using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Silo.Schema;

/// <summary><c>Silo wait-for-schema [--timeout SECONDS]</c>: waits until the database holds every schema script
/// this build ships (applied by <c>Silo migrate</c>, which it never runs itself), then exits 0; exits 1 when the
/// time is up. Where the migration runs apart from the silos (a Kubernetes Job, a compose service), a silo's
/// start is held on this, so no silo starts on an older schema.</summary>
static partial class WaitForSchemaCommand
{
    public const string Name = "wait-for-schema";
    static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);
    static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(30);

    public static bool IsRequested(string[] args) => args is [Name, ..];

    public static async Task<int> Run(string[] args)
    {
        var timeout = DefaultTimeout;
        var settings = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--timeout" && i + 1 < args.Length && int.TryParse(args[i + 1], out var seconds) && seconds > 0)
            {
                timeout = TimeSpan.FromSeconds(seconds);
                i++;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains('='))
            {
                settings.Add(args[i]);
            }
            else
            {
                await Console.Error.WriteLineAsync($"Usage: Silo {Name} [--timeout SECONDS] [--Key=Value...]");
                return 2;
            }
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. settings])
            .Build();
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        var logger = loggers.CreateLogger("OrleansScale.Schema");
        try
        {
            using var budget = new CancellationTokenSource(timeout);
            var missing = await WaitUntilApplied(PostgresConnection.Required(configuration), logger, budget.Token);
            if (missing.Count == 0)
                return 0;
            LogGaveUp(logger, timeout.TotalSeconds, string.Join(", ", missing));
            return 1;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Waiting for the schema failed");
            return 1;
        }
    }

    /// <summary>Polls until no shipped script is missing or the token is cancelled; returns what is still missing
    /// then (nothing when the schema is complete). An unreachable server or database counts as all missing.</summary>
    public static async Task<IReadOnlyList<string>> WaitUntilApplied(string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        TimeSpan? lastReport = null;
        var started = TimeProvider.System.GetTimestamp();
        IReadOnlyList<string> missing = [];
        while (true)
        {
            string? reason = null;
            try
            {
                missing = await SchemaMigrator.Missing(connectionString, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                missing = [.. SchemaMigrator.ShippedScripts().Select(s => s.Name)];
                reason = e.Message;
            }
            catch (OperationCanceledException)
            {
                return missing;
            }
            if (missing.Count == 0)
            {
                LogReady(logger);
                return missing;
            }
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            if (lastReport is null || elapsed - lastReport >= ReportInterval)
            {
                LogWaiting(logger, missing.Count, reason ?? "not applied yet");
                lastReport = elapsed;
            }
            try
            {
                await Task.Delay(PollInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return missing;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is complete; the silo may start")]
    static partial void LogReady(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for {Count} schema scripts ({Reason})")]
    static partial void LogWaiting(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The schema was still incomplete after {Seconds} s; missing: {Scripts}")]
    static partial void LogGaveUp(ILogger logger, double seconds, string scripts);
}
