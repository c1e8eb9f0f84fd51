namespace OrleansScale.Api.Queue;

/// <summary>What the queue held when it was last read: per partition, and the dead letters by reason.</summary>
public sealed record QueueSnapshot(
    DateTimeOffset ReadAt,
    IReadOnlyList<PartitionSnapshot> Partitions,
    IReadOnlyDictionary<string, long> DeadLettersByReason)
{
    public long Depth => Partitions.Sum(p => p.Depth);
    public long Leased => Partitions.Sum(p => p.Leased);
    public long Retrying => Partitions.Sum(p => p.Retrying);
    public long DeadLetters => DeadLettersByReason.Values.Sum();

    /// <summary>Age of the oldest message on the queue; zero when it is empty.</summary>
    public TimeSpan OldestAge => Partitions.Count == 0 ? TimeSpan.Zero : Partitions.Max(p => p.OldestAge);
}

/// <param name="Queue">The partition's queue id in the database.</param>
/// <param name="Depth">Every message on it: waiting, leased to a silo, or waiting out a retry delay.</param>
/// <param name="Leased">Handed to a silo and not yet confirmed or failed.</param>
/// <param name="Retrying">Failed, waiting for its retry delay.</param>
/// <param name="OldestAge">How long ago the oldest message was queued.</param>
public sealed record PartitionSnapshot(string Queue, long Depth, long Leased, long Retrying, TimeSpan OldestAge);
