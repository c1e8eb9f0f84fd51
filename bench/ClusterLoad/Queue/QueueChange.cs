namespace OrleansScale.Bench.ClusterLoad.Queue;

/// <summary>A namespace's counters over a stretch of the run. Amplification is Δpublished / Δproduced:
/// how many queue messages each message the application produced became.</summary>
public sealed record NamespaceChange(string Namespace, long? Produced, long? Published, long? Delivered, long? Failed)
{
    public double? Amplification => Produced is > 0 && Published is { } published ? (double)published / Produced.Value : null;
}

/// <summary>What changed in the queue between two snapshots (a phase's start and end, say).</summary>
public sealed record QueueChange(QueueSnapshot? From, QueueSnapshot? To)
{
    public long? DeadLettersAdded => To?.DeadLetters - From?.DeadLetters;

    /// <summary>Per namespace present at the end; a namespace the start did not list had counted nothing yet
    /// (the silos list a namespace once it has traffic), and without a start snapshot every change is null.</summary>
    public IReadOnlyList<NamespaceChange> Namespaces => (To?.Namespaces ?? []).Select(end =>
    {
        var start = From?.Namespaces.FirstOrDefault(n => n.Namespace == end.Namespace);
        long? Change(long? atEnd, long? atStart) => From is null ? null : atEnd - (atStart ?? 0);
        return new NamespaceChange(end.Namespace, Change(end.Produced, start?.Produced), Change(end.Published, start?.Published),
            Change(end.Delivered, start?.Delivered), Change(end.Failed, start?.Failed));
    }).ToList();

    /// <summary>Lines for a phase summary: depth and age at both ends, dead letters, namespaces. What the
    /// cluster does not report is said once, not shown as a row of n/a.</summary>
    public IEnumerable<string> Describe()
    {
        if (new[] { From, To }.Any(s => s?.Depth is not null || s?.OldestAgeSeconds is not null || s?.Leased is not null))
            yield return $"queue: depth {Show(From?.Depth)} -> {Show(To?.Depth)}, leased {Show(To?.Leased)}, " +
                         $"oldest age {Show(From?.OldestAgeSeconds)} -> {Show(To?.OldestAgeSeconds)} s, backpressure {Show(To?.BackpressureActive)}";
        else
            yield return "queue: depth, leased and oldest age not reported by the cluster";
        yield return $"dead letters: {QueueSnapshot.DescribeDeadLetters(To)}, +{Show(DeadLettersAdded)} in this phase";
        if (To?.Partitions is { Count: > 0 } partitions)
            yield return "  partitions at the end: " + string.Join("; ", partitions.Select(p =>
                $"{p.Queue} depth {Show(p.Depth)}, leased {Show(p.Leased)}, oldest {Show(p.OldestAgeSeconds)} s"));
        foreach (var n in Namespaces)
            yield return $"  {n.Namespace}: produced +{Show(n.Produced)}, published +{Show(n.Published)}, amplification {Show(n.Amplification)}, " +
                         $"delivered +{Show(n.Delivered)}, failed +{Show(n.Failed)}";
    }

    static string Show(long? value) => value?.ToString("N0") ?? "n/a";

    static string Show(double? value) => value?.ToString("0.0#") ?? "n/a";

    static string Show(bool? value) => value switch { true => "on", false => "off", null => "n/a" };
}
