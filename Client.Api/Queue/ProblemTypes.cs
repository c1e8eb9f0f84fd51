namespace OrleansScale.Api.Queue;

/// <summary>The problem types of the refusals that are load shedding by design, so clients (and load
/// drivers) can tell them from a 503 that means the cluster failed to answer.</summary>
public static class ProblemTypes
{
    /// <summary>A write refused because the queue lags past its bounds (<see cref="QueueBackpressure"/>).</summary>
    public const string QueueLagging = "urn:orleansscale:problem:queue-lagging";

    /// <summary>A write refused because its background work could not be queued at all.</summary>
    public const string QueueUnavailable = "urn:orleansscale:problem:queue-unavailable";
}
