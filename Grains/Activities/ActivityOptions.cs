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
    public int FanOutBatchSize { get; set; } = 250;

    /// <summary>How long a posted activity may wait for its fan-out to be confirmed before the stream
    /// queues it again (it is queued again after one to two such periods).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RequeueAfter { get; set; } = TimeSpan.FromSeconds(5);
}
