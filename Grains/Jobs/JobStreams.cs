namespace OrleansScale.Jobs;

/// <summary>Queued jobs travel on the queue provider in this namespace, one stream per job id, so
/// each job has its own consumer and jobs run in parallel across the cluster.</summary>
static class JobStreams
{
    public const string Namespace = "jobs";
}

[GenerateSerializer, Immutable]
public sealed record JobQueued([property: Id(0)] string JobId);
