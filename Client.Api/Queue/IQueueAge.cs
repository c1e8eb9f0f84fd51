namespace OrleansScale.Api.Queue;

/// <summary>How long the queue's backlog has waited for the consumers (<see cref="QueueSnapshot.BacklogAge"/>).</summary>
public interface IQueueAge
{
    /// <summary>Null while the queue cannot be read.</summary>
    Task<TimeSpan?> BacklogAge();
}
