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
    public long Stranded => Partitions.Sum(p => p.Stranded);
    public long DeadLetters => DeadLettersByReason.Values.Sum();

    /// <summary>Age of the oldest message on the queue, in any state; zero when it is empty.</summary>
    public TimeSpan OldestAge => Partitions.Count == 0 ? TimeSpan.Zero : Partitions.Max(p => p.OldestAge);

    /// <summary>Age of the oldest message the consumers have yet to get through; what back-pressure watches.</summary>
    public TimeSpan BacklogAge => Partitions.Count == 0 ? TimeSpan.Zero : Partitions.Max(p => p.BacklogAge);
}

/// <param name="Queue">The partition's queue id in the database.</param>
/// <param name="Depth">Every message on it: waiting, leased to a silo, or waiting out a retry delay.</param>
/// <param name="Leased">Handed to a silo and not yet confirmed or failed; stranded ones included.</param>
/// <param name="Retrying">Failed, waiting for its retry delay.</param>
/// <param name="Stranded">Leased longer ago than any live silo holds a message
/// (<see cref="QueueMonitorOptions.StrandedLeaseAge"/>): its silo stopped or died, and the message is handed out
/// again when the lease runs out (the queue's visibility timeout).</param>
/// <param name="OldestAge">How long ago the oldest message was queued.</param>
/// <param name="BacklogAge">How long ago the oldest message on its first attempt was queued, counting those
/// waiting and those held by a live lease; zero when there is none. Retries and stranded leases are left out:
/// they wait for a delay or a timeout, not for the consumers to catch up.</param>
public sealed record PartitionSnapshot(
    string Queue, long Depth, long Leased, long Retrying, long Stranded, TimeSpan OldestAge, TimeSpan BacklogAge);
