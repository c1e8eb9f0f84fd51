using System.Globalization;

namespace OrleansScale.Bench.ClusterLoad.Cli;

/// <summary>A command line of the form <c>scenario --name value … [--help]</c>. Each option is read by
/// whoever needs it, with its default; what no one read is an error (a misspelt option must not
/// silently run with a default).</summary>
public sealed class CommandLine
{
    readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    readonly HashSet<string> read = [];

    CommandLine(string? scenario, bool help)
    {
        Scenario = scenario;
        Help = help;
    }

    public string? Scenario { get; }

    public bool Help { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? scenario = null;
        var help = false;
        var pairs = new List<(string, string)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "help")
                help = true;
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Count)
                    throw new ArgumentException($"{arg} needs a value");
                pairs.Add((arg[2..], args[++i]));
            }
            else if (scenario is null)
                scenario = arg;
            else
                throw new ArgumentException($"unexpected argument '{arg}' (options are --name value)");
        }
        var commandLine = new CommandLine(scenario, help);
        foreach (var (name, value) in pairs)
            if (!commandLine.values.TryAdd(name, value))
                throw new ArgumentException($"--{name} is given twice");
        return commandLine;
    }

    public string? Text(string name)
    {
        read.Add(name);
        return values.GetValueOrDefault(name);
    }

    public int Int(string name, int fallback, int min = 0) =>
        Number(name, fallback, text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null, min);

    public double Double(string name, double fallback, double min = 0) =>
        Number(name, fallback, text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null, min);

    /// <summary>A duration: <c>500ms</c>, <c>30s</c>, <c>10m</c>, <c>1h</c>, or a bare number of seconds.</summary>
    public TimeSpan Duration(string name, TimeSpan fallback) =>
        Text(name) is { } text ? ParseDuration(text) ?? throw Invalid(name, text, "a duration such as 500ms, 30s, 10m or 1h") : fallback;

    /// <summary>A list <c>name=value,name=value</c> over <paramref name="defaults"/>: names not given keep
    /// their default; names not among the defaults are an error.</summary>
    public IReadOnlyDictionary<string, double> Pairs(string name, IReadOnlyDictionary<string, double> defaults)
    {
        var result = new Dictionary<string, double>(defaults);
        if (Text(name) is not { } text)
            return result;
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !defaults.ContainsKey(parts[0])
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
                throw Invalid(name, item, $"name=number with a name among {string.Join(", ", defaults.Keys)}");
            result[parts[0]] = value;
        }
        return result;
    }

    /// <summary>Fails on any option given but never read: it is misspelt or belongs to another scenario.</summary>
    public void RejectUnread()
    {
        var unread = values.Keys.Where(k => !read.Contains(k)).ToList();
        if (unread.Count > 0)
            throw new ArgumentException($"unknown option{(unread.Count > 1 ? "s" : "")} for '{Scenario}': " +
                                        string.Join(", ", unread.Select(u => "--" + u)) + " (see --help)");
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1) };
        foreach (var (suffix, seconds) in units)
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
                return TimeSpan.FromSeconds(n * seconds);
        return null;
    }

    T Number<T>(string name, T fallback, Func<string, T?> parse, T min) where T : struct, IComparable<T>
    {
        if (Text(name) is not { } text)
            return fallback;
        return parse(text) is { } value && value.CompareTo(min) >= 0 ? value : throw Invalid(name, text, $"a number of at least {min}");
    }

    static ArgumentException Invalid(string name, string value, string expected) =>
        new($"--{name} {value}: expected {expected}");
}
