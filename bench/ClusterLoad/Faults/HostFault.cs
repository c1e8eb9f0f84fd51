namespace OrleansScale.Bench.ClusterLoad.Faults;

/// <summary>One network fault of the hosts layout (docs/hosts.md), as deploy/hosts.sh takes it: a host (db,
/// api, silo1, …), a kind (cut, one-way, lossy, slow) and the kind's arguments.</summary>
public sealed record HostFault(string Host, string Kind, IReadOnlyList<string> Arguments)
{
    static readonly string[] Kinds = ["cut", "one-way", "lossy", "slow"];

    /// <summary>What the faults scenario runs unless told otherwise: the four of issue 13 that this machine's
    /// kernel can make (no netem, so no latency).</summary>
    public const string Defaults = "silo1:cut,silo1:one-way,silo1:lossy:5,silo1:slow,db:cut";

    public string Describe() => string.Join(' ', [Host, Kind, .. Arguments]);

    /// <summary>"HOST:KIND[:ARG…]" items separated by commas, e.g. "silo1:cut,db:cut,silo2:lossy:5".</summary>
    public static IReadOnlyList<HostFault> ParseList(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    static HostFault Parse(string item)
    {
        var parts = item.Split(':');
        if (parts.Length < 2 || parts[0].Length == 0 || !Kinds.Contains(parts[1]))
            throw new ArgumentException($"--faults: '{item}' is not HOST:KIND[:ARG...] with KIND one of {string.Join(", ", Kinds)}");
        return new HostFault(parts[0], parts[1], parts[2..]);
    }
}
