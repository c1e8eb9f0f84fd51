using System.Text.Json.Nodes;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>The windows around cluster events as text and JSON: each as a phase, then one line that compares
/// its p99 with the steady window's, for all requests and for product reads (the goal: at most 3x).</summary>
public static class EventWindowReport
{
    public const string SteadyName = "steady";

    /// <summary>Prints the windows; their summary.json entries, each with its p99 ratios to the steady window.</summary>
    public static JsonArray Print(TextWriter output, IReadOnlyList<Phase> windows)
    {
        var json = new JsonArray();
        if (windows.Count == 0)
            return json;
        var steady = windows.FirstOrDefault(w => w.Name == SteadyName);
        output.WriteLine();
        output.WriteLine("== cluster events, measured apart (a request counts in the overload and in every window it was due in)");
        foreach (var window in windows)
        {
            PhaseReport.Print(output, window, withQueue: false);
            var entry = SummaryJson.Phase(window);
            if (steady is not null && window != steady)
            {
                var all = Ratio(P99(window, null), P99(steady, null));
                var reads = Ratio(P99(window, "product-read"), P99(steady, "product-read"));
                output.WriteLine($"p99 against the steady window: all requests {PhaseReport.Ms(P99(window, null))} / {PhaseReport.Ms(P99(steady, null))} ms = {Describe(all)}, " +
                                 $"product reads {PhaseReport.Ms(P99(window, "product-read"))} / {PhaseReport.Ms(P99(steady, "product-read"))} ms = {Describe(reads)}");
                entry["p99RatioAll"] = all is { } a ? Math.Round(a, 2) : null;
                entry["p99RatioProductRead"] = reads is { } r ? Math.Round(r, 2) : null;
            }
            json.Add(entry);
        }
        return json;
    }

    /// <summary>The p99 of one operation, or of all together when <paramref name="operation"/> is null.</summary>
    static TimeSpan? P99(Phase phase, string? operation)
    {
        var histogram = new LatencyHistogram();
        foreach (var stats in phase.Operations.Where(o => operation is null || o.Name == operation))
            histogram.Add(stats.Latency);
        return histogram.Count == 0 ? null : histogram.Percentile(0.99);
    }

    static double? Ratio(TimeSpan? value, TimeSpan? baseline) =>
        value is { } v && baseline is { } b && b > TimeSpan.Zero ? v / b : null;

    static string Describe(double? ratio) => ratio?.ToString("0.0") ?? "n/a";
}
