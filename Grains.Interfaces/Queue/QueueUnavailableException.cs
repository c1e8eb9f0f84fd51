namespace OrleansScale.Queue;

/// <summary>A change was refused because the background work it would create cannot be queued now (the queue
/// is unreachable or too far behind). Nothing was changed; the caller may try again later, and the API
/// answers 503 with Retry-After.</summary>
[GenerateSerializer]
public sealed class QueueUnavailableException : Exception
{
    public QueueUnavailableException(string message) : base(message) { }
}
