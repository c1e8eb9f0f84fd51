using System.Text.Json.Nodes;

namespace OrleansScale.Bench.ClusterLoad.Queue;

/// <summary>The <c>queue</c> object of GET /api/cluster at one moment. Its shape is still growing, so
/// every field may be missing or null and is then null here; nothing is inferred from a missing field.</summary>
public sealed record QueueSnapshot(
    TimeSpan At,
    long? Depth,
    long? Leased,
    double? OldestAgeSeconds,
    long? DeadLetters,
    IReadOnlyDictionary<string, long> DeadLettersByReason,
    bool? BackpressureActive,
    IReadOnlyList<PartitionSnapshot> Partitions,
    IReadOnlyList<NamespaceSnapshot> Namespaces)
{
    /// <summary>Reads the cluster document; a document without a <c>queue</c> object gives a snapshot of nulls.</summary>
    public static QueueSnapshot Parse(JsonNode? cluster, TimeSpan at)
    {
        var queue = cluster?["queue"] as JsonObject;
        var byReason = new Dictionary<string, long>();
        if (queue?["deadLettersByReason"] is JsonObject reasons)
            foreach (var (reason, value) in reasons)
                if (Long(value) is { } count)
                    byReason[reason] = count;
        return new QueueSnapshot(
            at,
            Long(queue?["depth"]),
            Long(queue?["leased"]),
            Double(queue?["oldestAgeSeconds"]),
            Long(queue?["deadLetters"]),
            byReason,
            Bool(queue?["backpressure"]?["active"]),
            Objects(queue?["partitions"]).Select(p => new PartitionSnapshot(
                Text(p["queue"]) ?? "?", Long(p["depth"]), Long(p["leased"]), Double(p["oldestAgeSeconds"]))).ToArray(),
            Objects(queue?["namespaces"]).Select(n => new NamespaceSnapshot(
                Text(n["namespace"]) ?? "?", Long(n["produced"]), Long(n["published"]), Double(n["amplification"]),
                Long(n["delivered"]), Long(n["failed"]))).ToArray());
    }

    public static QueueSnapshot Unknown(TimeSpan at) => Parse(null, at);

    /// <summary>"3 (attempts 2, expired 1)", or "n/a" when not reported.</summary>
    public static string DescribeDeadLetters(QueueSnapshot? snapshot) =>
        (snapshot?.DeadLetters?.ToString("N0") ?? "n/a") + (snapshot?.DeadLettersByReason is { Count: > 0 } reasons
            ? " (" + string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value:N0}")) + ")" : "");

    static IEnumerable<JsonObject> Objects(JsonNode? node) =>
        node is JsonArray array ? array.OfType<JsonObject>() : [];

    static long? Long(JsonNode? node) => Double(node) is { } value ? (long)Math.Round(value) : null;

    static double? Double(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number) ? number : null;

    static bool? Bool(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

public sealed record PartitionSnapshot(string Queue, long? Depth, long? Leased, double? OldestAgeSeconds);

/// <summary>Counters of one stream namespace since the silos started: messages produced by the
/// application, published to the queue, delivered to consumers, failed deliveries.</summary>
public sealed record NamespaceSnapshot(
    string Namespace, long? Produced, long? Published, double? Amplification, long? Delivered, long? Failed);
