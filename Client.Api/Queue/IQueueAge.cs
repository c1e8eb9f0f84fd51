namespace OrleansScale.Api.Queue;

/// <summary>How long the oldest queued background work has waited.</summary>
public interface IQueueAge
{
    /// <summary>Null while the queue cannot be read.</summary>
    Task<TimeSpan?> OldestAge();
}
