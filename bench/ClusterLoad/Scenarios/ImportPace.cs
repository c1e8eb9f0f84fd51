using System.Text.Json.Nodes;

namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>Whether an import keeps its pace: the rate overall and in each tenth of the completions, the
/// goal being a last tenth no more than 20 % slower than the first.</summary>
public static class ImportPace
{
    public const int Tenths = 10;
    const double Goal = 0.8;

    /// <summary>Prints and returns the overall rate and the rate of each tenth of the completions.</summary>
    public static JsonObject Report(TextWriter output, string what, TimeSpan[] completions, TimeSpan start)
    {
        if (completions.Length < Tenths)
        {
            output.WriteLine($"  {what}: only {completions.Length} succeeded, too few to pace");
            return new JsonObject { ["succeeded"] = completions.Length };
        }
        var overall = completions.Length / (completions[^1] - start).TotalSeconds;
        var tenths = new double[Tenths];
        var previous = start;
        for (var t = 0; t < Tenths; t++)
        {
            var first = t * completions.Length / Tenths;
            var last = (t + 1) * completions.Length / Tenths - 1;
            tenths[t] = (last - first + 1) / Math.Max((completions[last] - previous).TotalSeconds, 0.001);
            previous = completions[last];
        }
        var ratio = tenths[^1] / tenths[0];
        output.WriteLine($"  {what}: {completions.Length} in {(completions[^1] - start).TotalSeconds:0.0} s = {overall:0.#}/s; per tenth " +
                         string.Join(" ", tenths.Select(r => r.ToString("0.#"))) + "/s");
        output.WriteLine($"    last tenth / first tenth = {ratio:0.00}: " +
                         (ratio >= Goal ? "goal met (the last tenth no more than 20 % slower)" : "goal NOT met: the last tenth more than 20 % slower"));
        return new JsonObject
        {
            ["succeeded"] = completions.Length,
            ["perSecond"] = Math.Round(overall, 2),
            ["perSecondByTenth"] = new JsonArray([.. tenths.Select(r => (JsonNode)Math.Round(r, 2))]),
            ["lastTenthOverFirst"] = Math.Round(ratio, 3),
        };
    }
}
