using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Activities;

/// <summary>Bounds and batching of activity streams and feeds ("Activities" section).</summary>
public sealed class ActivityOptions
{
    public const string Section = "Activities";

    /// <summary>How many of the newest items a stream or a feed keeps; older ones fall off, so no
    /// document grows without bound.</summary>
    [Range(10, 100_000)]
    public int Keep { get; set; } = 1_000;

    /// <summary>How many feeds one fan-out delivers to at once; a large friend list goes out in
    /// several such batches, one after the other.</summary>
    [Range(1, 10_000)]
    public int FanOutBatchSize { get; set; } = 1_000;

    /// <summary>How long a posted activity may wait for its fan-out to be confirmed before the stream
    /// queues it again (after one to two such periods). Long enough not to duplicate fan-outs that are
    /// merely queued behind others; it only matters when the queue lost a message.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RequeueAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many of a feed's newest items go into its small, often-written head document; the
    /// rest sit in a tail document that is written only when the head spills into it (about every
    /// <c>FeedHeadSize</c> deliveries), so a delivery writes kilobytes rather than the whole feed.</summary>
    [Range(10, 10_000)]
    public int FeedHeadSize { get; set; } = 50;

    /// <summary>How long a feed's batch of fan-out deliveries on a silo waits for more items before it
    /// is sent (<see cref="FeedDeliveryBuffer"/>; it also keeps growing while it waits for a free slot).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan FanOutWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many feed deliveries one silo's fan-out has in flight at once.</summary>
    [Range(1, 10_000)]
    public int FanOutConcurrency { get; set; } = 48;
}
