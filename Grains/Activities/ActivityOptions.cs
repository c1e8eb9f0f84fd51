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

    /// <summary>How many items a stored page of a feed or a stream takes before the next page opens
    /// (<see cref="ActivityPages"/>). A write stores the open page, so half of this on average; an activation
    /// reads Keep / PageSize pages or so.</summary>
    [Range(10, 10_000)]
    public int PageSize { get; set; } = 50;

    /// <summary>How long a feed's batch of fan-out deliveries on a silo waits for more items before it
    /// is sent (<see cref="FeedDeliveryBuffer"/>; it also keeps growing while it waits for a free slot).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan FanOutWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many feed deliveries one silo's fan-out has in flight at once. A delivery holds its
    /// slot only until the feed has the items in memory, not while the feed writes them.</summary>
    [Range(1, 10_000)]
    public int FanOutConcurrency { get; set; } = 48;

    /// <summary>How long a feed keeps delivered items in memory only (readers already see them) before it
    /// writes everything delivered meanwhile in one storage write: at most one write per feed per
    /// interval (each wait is between one and one and a half intervals, so feeds do not write in step),
    /// however many activities arrive. A fan-out holds its queue message until that write. Longer intervals
    /// write fewer bytes per activity (a busy feed rewrites its head less often) at the cost of more items
    /// held unwritten: at 100 activities/s to 1,000 shared friends, 1 s wrote 2.7 times the WAL of 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FeedFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many feed deliveries (activity × feed) one silo holds that are not yet durable in their
    /// feeds. A fan-out that would go over waits, and so does the queue behind it, so memory stays bounded
    /// when activities arrive faster than feeds take them. An item waits about one to two
    /// <see cref="FeedFlushInterval"/>s to be written, so at 50,000 deliveries/s on a silo it holds about
    /// 400,000, some 50 bytes each beyond the activity, which is shared.</summary>
    [Range(1_000, 10_000_000)]
    public int FanOutMaxPending { get; set; } = 1_000_000;
}
