using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Queue;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>summary.json: every number of the text summary in a form later runs can be compared with.
/// Latencies are in milliseconds; a value the run could not measure is null.</summary>
public static class SummaryJson
{
    public static JsonObject Phase(Phase phase)
    {
        var change = new QueueChange(phase.QueueAtStart, phase.QueueAtEnd);
        return new JsonObject
        {
            ["name"] = phase.Name,
            ["description"] = phase.Description,
            ["startSeconds"] = Math.Round(phase.StartedAt.TotalSeconds, 3),
            ["durationSeconds"] = Math.Round(phase.Duration.TotalSeconds, 3),
            ["aborted"] = phase.Aborted,
            ["operations"] = new JsonArray([.. phase.Operations.Select(Operation)]),
            ["feedLag"] = Latency(phase.FeedLag),
            ["queue"] = new JsonObject
            {
                ["depthAtStart"] = phase.QueueAtStart?.Depth,
                ["depthAtEnd"] = phase.QueueAtEnd?.Depth,
                ["oldestAgeSecondsAtStart"] = phase.QueueAtStart?.OldestAgeSeconds,
                ["oldestAgeSecondsAtEnd"] = phase.QueueAtEnd?.OldestAgeSeconds,
                ["deadLettersAtEnd"] = phase.QueueAtEnd?.DeadLetters,
                ["deadLettersAdded"] = change.DeadLettersAdded,
                ["deadLettersByReason"] = phase.QueueAtEnd is { } end
                    ? new JsonObject(end.DeadLettersByReason.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value))) : null,
                ["partitionsAtEnd"] = new JsonArray([.. (phase.QueueAtEnd?.Partitions ?? []).Select(p => (JsonNode)new JsonObject
                {
                    ["queue"] = p.Queue,
                    ["depth"] = p.Depth,
                    ["leased"] = p.Leased,
                    ["oldestAgeSeconds"] = p.OldestAgeSeconds,
                })]),
                ["namespaces"] = new JsonArray([.. change.Namespaces.Select(n => (JsonNode)new JsonObject
                {
                    ["namespace"] = n.Namespace,
                    ["produced"] = n.Produced,
                    ["published"] = n.Published,
                    ["amplification"] = n.Amplification,
                    ["delivered"] = n.Delivered,
                    ["failed"] = n.Failed,
                })]),
            },
        };
    }

    public static JsonObject Totals(IEnumerable<Phase> phases)
    {
        var operations = phases.SelectMany(p => p.Operations).ToList();
        long Sum(OutcomeKind kind) => operations.Sum(o => o[kind]);
        return new JsonObject
        {
            ["wrong"] = Sum(OutcomeKind.Wrong),
            ["lost"] = Sum(OutcomeKind.Lost),
            ["failed5xx"] = Sum(OutcomeKind.Failed5xx),
            ["timeout"] = Sum(OutcomeKind.Timeout),
            ["reset"] = Sum(OutcomeKind.Reset),
            ["shed"] = Sum(OutcomeKind.Shed),
            ["notSentCap"] = operations.Sum(o => o.NotSentCap),
            ["keyBusy"] = Sum(OutcomeKind.KeyBusy),
            ["driverErrors"] = Sum(OutcomeKind.DriverError),
            ["shedByTitle"] = new JsonObject(ShedByTitle(operations).Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))),
        };
    }

    /// <summary>Shed answers by problem title over all operations: a 503 with Retry-After is shedding by
    /// rule, but the API gives one with the same header when a grain call fails, and only the title tells.</summary>
    public static IEnumerable<KeyValuePair<string, long>> ShedByTitle(IEnumerable<OperationStats> operations) =>
        operations.SelectMany(o => o.ShedTitles).GroupBy(t => t.Key)
            .Select(g => KeyValuePair.Create(g.Key, g.Sum(t => t.Value))).OrderByDescending(t => t.Value);

    public static JsonObject? Latency(LatencyHistogram histogram) => histogram.Count == 0 ? null : new JsonObject
    {
        ["count"] = histogram.Count,
        ["p50Ms"] = Ms(histogram.Percentile(0.5)),
        ["p99Ms"] = Ms(histogram.Percentile(0.99)),
        ["maxMs"] = Ms(histogram.Max),
    };

    public static double? Ms(TimeSpan? value) => value is { } v ? Math.Round(v.TotalMilliseconds, 3) : null;

    public static void Write(string path, JsonObject summary) =>
        File.WriteAllText(path, summary.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people and scripts, not HTML
        }));

    static JsonNode Operation(OperationStats stats) => new JsonObject
    {
        ["name"] = stats.Name,
        ["group"] = stats.Group.ToString(),
        ["offeredPerSecond"] = stats.OfferedRate,
        ["due"] = stats.Due,
        ["sent"] = stats.Sent,
        ["ok"] = stats[OutcomeKind.Ok],
        ["wrong"] = stats[OutcomeKind.Wrong],
        ["lost"] = stats[OutcomeKind.Lost],
        ["failed5xx"] = stats[OutcomeKind.Failed5xx],
        ["timeout"] = stats[OutcomeKind.Timeout],
        ["reset"] = stats[OutcomeKind.Reset],
        ["shed"] = stats[OutcomeKind.Shed],
        ["notSentCap"] = stats.NotSentCap,
        ["keyBusy"] = stats[OutcomeKind.KeyBusy],
        ["driverErrors"] = stats[OutcomeKind.DriverError],
        ["latency"] = Latency(stats.Latency),
        ["problems"] = new JsonObject(stats.ProblemReasons.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value))),
        ["shedTitles"] = new JsonObject(stats.ShedTitles.Select(r => KeyValuePair.Create(r.Key, (JsonNode?)r.Value))),
    };
}
