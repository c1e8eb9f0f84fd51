using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Api.Queue;

/// <summary>How the API watches the queue and when it refuses new background work ("Queue:Backpressure").</summary>
public sealed class QueueMonitorOptions
{
    public const string Section = "Queue:Backpressure";

    /// <summary>Writes that create background work are refused (503 with Retry-After) while the oldest
    /// message on the queue is older than this ...</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>... or while the queue holds more messages than this.</summary>
    [Range(1, 100_000_000)]
    public long MaxDepth { get; set; } = 50_000;

    /// <summary>What a refused write's Retry-After says.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How old a reading of the queue may be before it is read again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Turns the refusal off; the queue is still watched and reported.</summary>
    public bool Enabled { get; set; } = true;
}
