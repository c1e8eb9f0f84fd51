using OrleansScale.Bench.ClusterLoad.Cli;

namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>How a write rate is shared among the writing operations (weights), and the fixed rates of the
/// reads beside them (requests per second).</summary>
public sealed record LoadMix(IReadOnlyDictionary<string, double> WriteWeights, IReadOnlyDictionary<string, double> ReadRates)
{
    /// <summary>Cart changes weigh most (the cheapest write, and the one most users make); article saves
    /// least (each queues a render).</summary>
    public static readonly IReadOnlyDictionary<string, double> DefaultWriteWeights = new Dictionary<string, double>
    {
        ["product-write"] = 0.25, ["review"] = 0.25, ["cart-change"] = 0.4, ["article-save"] = 0.1,
    };

    /// <summary>Sign-ins are rare: each costs a deliberately slow password hash.</summary>
    public static readonly IReadOnlyDictionary<string, double> DefaultReadRates = new Dictionary<string, double>
    {
        ["product-read"] = 50, ["feed-read"] = 10, ["cart-read"] = 5, ["article-read"] = 5, ["sign-in"] = 1,
    };

    public static LoadMix Read(CommandLine commandLine)
    {
        var weights = commandLine.Pairs("mix", DefaultWriteWeights);
        if (weights.Values.Sum() <= 0)
            throw new ArgumentException("--mix: the weights must not all be 0");
        return new LoadMix(weights, commandLine.Pairs("reads", DefaultReadRates));
    }

    /// <summary>Requests per second by operation: <paramref name="writeRate"/> shared by weight, plus the reads.</summary>
    public IEnumerable<(string Operation, double Rate)> Rates(double writeRate, bool withReads = true)
    {
        var total = WriteWeights.Values.Sum();
        foreach (var (name, weight) in WriteWeights)
            yield return (name, writeRate * weight / total);
        if (withReads)
            foreach (var (name, rate) in ReadRates)
                yield return (name, rate);
    }

    public string Describe(double writeRate, bool withReads = true) =>
        (writeRate > 0 ? $"writes {writeRate:0.#}/s" : "no writes") +
        (withReads ? $", reads {ReadRates.Where(r => r.Key != "sign-in").Sum(r => r.Value):0.#}/s, sign-ins {ReadRates["sign-in"]:0.#}/s" : "");
}
