using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Npgsql;
using OrleansScale.Queue;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Silo.Queue;

/// <summary><c>Silo dead-letters list|replay</c>: shows the queue's dead letters and moves chosen ones back into
/// their queue. Reads the cluster's database and service id like a silo does (appsettings.json, the environment,
/// <c>--Key=Value</c> arguments) and needs no running silo.</summary>
public static class DeadLetterCommand
{
    public const string Name = "dead-letters";

    /// <summary>Exit codes: done; the database could not be read or written, or a dead letter named for replay
    /// was left in place; the arguments were wrong.</summary>
    public const int Done = 0, Failed = 1, Usage = 2;

    const string DefaultServiceId = "orleansscale";

    const string Help = """
        Usage: Silo dead-letters list [--json]
               Silo dead-letters replay (--all | ID...) [--json]

        The queue's dead letters: messages that failed every delivery they were allowed (Queue:MaxAttempts),
        were handed out their last time and never answered, or expired (Queue:ExpiryTimeout).

          list            one line per dead letter: id, queue, stream (namespace/key), event type, reason,
                          attempts, when it was queued and when it died; then a count by reason
          replay ID...    moves these dead letters back into their queue as new messages with no attempts used;
                          each moves once: naming it again queues nothing and says so
          replay --all    the same for every dead letter
          --json          machine-readable output
          --Key=Value     a setting, as in appsettings.json (e.g. --Orleans:ServiceId=orleansscale)

        Settings: ConnectionStrings:Postgres (or ConnectionStrings__Postgres), Orleans:ServiceId (default
        "orleansscale"), Queue:ExpiryTimeout (the expiry of replayed messages, default 1 day).
        A dead letter whose payload cannot be read is listed with the reason and never replayed: the silos
        could not read it either.
        Exit codes: 0 done (also when there was nothing to replay), 1 the database failed or a dead letter
        named for replay could not be read, 2 wrong arguments.
        """;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool IsRequested(string[] args) => args is [Name, ..];

    /// <summary>Runs the command as the silo binary does: settings from appsettings.json next to it, the
    /// environment and <c>--Key=Value</c> arguments; output on the console.</summary>
    public static Task<int> Run(string[] args)
    {
        var settings = args.Where(IsSetting).ToArray();
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(settings)
            .Build();
        return Run(args, configuration, Console.Out, Console.Error);
    }

    /// <summary>Runs the command with the given settings, writing its output and errors to the given writers.</summary>
    public static async Task<int> Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error,
        CancellationToken cancellationToken = default)
    {
        var request = Parse(args.Skip(1).Where(a => !IsSetting(a)).ToList());
        if (request.Problem is { } problem)
            return Fail(error, problem);
        if (request.Help)
        {
            await output.WriteLineAsync(Help);
            return Done;
        }

        try
        {
            var connectionString = PostgresConnection.Required(configuration);
            var serviceId = configuration["Orleans:ServiceId"] is { Length: > 0 } id ? id : DefaultServiceId;
            await using var deadLetters = new DeadLetters(connectionString, serviceId);
            if (request.Replay)
            {
                var queue = new QueueOptions();
                configuration.GetSection(QueueOptions.Section).Bind(queue);
                var result = await deadLetters.Replay(request.Ids, queue.ExpiryTimeout, cancellationToken);
                await (request.AsJson ? output.WriteLineAsync(JsonSerializer.Serialize(result, Json)) : WriteReplay(output, result, request.Ids is null));
                return request.Ids is not null && result.Undecodable.Count > 0 ? Failed : Done;
            }
            var list = await deadLetters.List(cancellationToken);
            await (request.AsJson ? output.WriteLineAsync(JsonSerializer.Serialize(new DeadLetterList(serviceId, list), Json)) : WriteList(output, list));
            return Done;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn
                                              or PostgresErrorCodes.UndefinedFunction)
        {
            await error.WriteLineAsync($"error: the database's schema is older than this tool ({e.MessageText}); apply it with `Silo migrate` (deploy/up.sh does)");
            return Failed;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException or TimeoutException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
    }

    /// <summary>The listing as <c>--json</c> prints it.</summary>
    public sealed record DeadLetterList(string ServiceId, IReadOnlyList<DeadLetter> DeadLetters)
    {
        public int Total => DeadLetters.Count;
        public IReadOnlyDictionary<string, int> ByReason => CountByReason(DeadLetters);
    }

    sealed record Request(bool Help = false, bool Replay = false, bool AsJson = false, IReadOnlyList<long>? Ids = null, string? Problem = null);

    static bool IsSetting(string arg) => arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=');

    static Request Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
            return new Request(Problem: "say list or replay (Silo dead-letters --help)");
        if (args.Any(a => a is "--help" or "-h") || args[0] == "help")
            return new Request(Help: true);
        var json = args.Contains("--json");
        var rest = args.Skip(1).Where(a => a != "--json").ToList();
        switch (args[0])
        {
            case "list":
                return rest.Count == 0 ? new Request(AsJson: json) : new Request(Problem: $"list takes no {string.Join(' ', rest)}");
            case "replay":
                var all = rest.Remove("--all");
                if (rest.FirstOrDefault(a => !long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out _)) is { } bad)
                    return new Request(Problem: $"not a dead letter id: {bad}");
                var ids = rest.Select(a => long.Parse(a, CultureInfo.InvariantCulture)).ToList();
                return (all, ids.Count) switch
                {
                    (true, 0) => new Request(Replay: true, AsJson: json),
                    (false, > 0) => new Request(Replay: true, AsJson: json, Ids: ids),
                    (true, _) => new Request(Problem: "replay takes either --all or ids, not both"),
                    _ => new Request(Problem: "replay needs --all or the ids of the dead letters to replay (see list)"),
                };
            default:
                return new Request(Problem: $"unknown command {args[0]}: say list or replay");
        }
    }

    static int Fail(TextWriter error, string problem)
    {
        error.WriteLine($"error: {problem}");
        error.WriteLine("usage: Silo dead-letters list [--json] | replay (--all | ID...) [--json]   (--help for more)");
        return Usage;
    }

    static async Task WriteList(TextWriter output, IReadOnlyList<DeadLetter> list)
    {
        if (list.Count == 0)
        {
            await output.WriteLineAsync("No dead letters.");
            return;
        }
        await WriteTable(output, list);
        var counts = CountByReason(list).Select(c => $"{c.Value} {c.Key}");
        await output.WriteLineAsync($"{Count(list.Count, "dead letter")}: {string.Join(", ", counts)}");
    }

    static async Task WriteReplay(TextWriter output, ReplayResult result, bool all)
    {
        if (result.Queued.Count > 0)
        {
            await output.WriteLineAsync("Queued again:");
            await WriteTable(output, result.Queued);
        }
        foreach (var letter in result.Undecodable)
            await output.WriteLineAsync($"Not replayed: {letter.Id} cannot be read ({letter.Undecodable}).");
        if (result.NotFound.Count > 0)
            await output.WriteLineAsync($"Not dead letters (already replayed, removed after Queue:DeadLetterRetention, or never dead): {string.Join(", ", result.NotFound)}.");
        await output.WriteLineAsync(result.Queued.Count > 0
            ? $"{Count(result.Queued.Count, "message")} queued again."
            : all && result.Undecodable.Count == 0 ? "Nothing queued: there are no dead letters." : "Nothing queued.");
    }

    static async Task WriteTable(TextWriter output, IReadOnlyList<DeadLetter> letters)
    {
        string[] header = ["ID", "QUEUE", "STREAM", "EVENT", "REASON", "ATTEMPTS", "QUEUED", "DIED"];
        var rows = letters.Select(d => new[]
        {
            d.Id.ToString(CultureInfo.InvariantCulture),
            d.Queue,
            d.Undecodable is { } problem ? $"(undecodable: {problem})" : $"{d.StreamNamespace}/{d.StreamKey}",
            d.EventTypes.Count == 0 ? "-" : string.Join(",", d.EventTypes),
            d.Reason,
            d.Attempts.ToString(CultureInfo.InvariantCulture),
            Time(d.QueuedAt),
            Time(d.DiedAt),
        }).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
    }

    static IReadOnlyDictionary<string, int> CountByReason(IEnumerable<DeadLetter> letters) =>
        letters.GroupBy(d => d.Reason, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
