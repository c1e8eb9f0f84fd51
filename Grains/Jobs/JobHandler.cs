namespace OrleansScale.Jobs;

/// <summary>The code of one kind of job, registered as a keyed service under the kind's name. It may
/// run more than once for one job (delivery is at-least-once and failed attempts are retried), so it
/// must be safe to repeat; it returns the result as JSON.</summary>
public interface IJobHandler
{
    Task<string> Run(JobContext job);
}

/// <param name="Cancellation">Fires at the queue's deadline for one delivery (<c>Queue:ConsumerTimeout</c>); the attempt
/// then counts as failed and the job is tried again later.</param>
public sealed record JobContext(string JobId, string OwnerId, string Input, int Attempt, Func<int, Task> ReportProgress,
    CancellationToken Cancellation);

/// <summary>A failure whose message is meant for the job's owner; any other exception is logged and
/// reported as an internal error, so no exception detail reaches a client.</summary>
/// <param name="retry">False when another attempt would fail the same way (the job's data, not a
/// passing fault, is the cause): the job then ends failed at once with this message.</param>
public sealed class JobFailedException(string message, bool retry = true) : Exception(message)
{
    public bool Retry { get; } = retry;
}
