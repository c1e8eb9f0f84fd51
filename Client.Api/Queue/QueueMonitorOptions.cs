using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Api.Queue;

/// <summary>How the API watches the queue and when it refuses new background work ("Queue:Backpressure").</summary>
public sealed class QueueMonitorOptions
{
    public const string Section = "Queue:Backpressure";

    /// <summary>Writes that create background work are refused (503 with Retry-After) while the queue's
    /// backlog (<see cref="QueueSnapshot.BacklogAge"/>: the oldest message on its first attempt, waiting or held
    /// by a live silo) is older than this ...</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>... or while the queue holds more messages than this.</summary>
    [Range(1, 100_000_000)]
    public long MaxDepth { get; set; } = 50_000;

    /// <summary>A lease older than this is taken as held by a silo that stopped or died, and its message is
    /// left out of the backlog's age: refusing writes would not bring it back before its lease runs out. Must
    /// exceed the longest a live silo holds a message, 3 × (Queue:ConsumerTimeout + 1 s + Queue:PollInterval),
    /// 64.5 s with the defaults (the silos check that rule against Queue:VisibilityTimeout).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StrandedLeaseAge { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>What a refused write's Retry-After says.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How old a reading of the queue may be before it is read again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Turns the refusal off; the queue is still watched and reported.</summary>
    public bool Enabled { get; set; } = true;
}
