namespace OrleansScale.Api.Queue;

/// <summary>The problem types of the refusals that are load shedding by design, so clients (and load
/// drivers) can tell them from a 503 that means the cluster failed to answer.</summary>
public static class ProblemTypes
{
    /// <summary>A write refused because the queue lags past its bounds (<see cref="QueueBackpressure"/>).</summary>
    public const string QueueLagging = "urn:orleansscale:problem:queue-lagging";

    /// <summary>A write refused because its background work could not be queued at all.</summary>
    public const string QueueUnavailable = "urn:orleansscale:problem:queue-unavailable";

    /// <summary>A write refused because as many writes as this server admits were running and waiting
    /// (<see cref="Admission.WriteAdmission"/>).</summary>
    public const string Overloaded = "urn:orleansscale:problem:overloaded";
}
