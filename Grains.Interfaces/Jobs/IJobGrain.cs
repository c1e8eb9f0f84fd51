namespace OrleansScale.Jobs;

/// <summary>One background job, keyed by its unguessable id: its status, progress, times, error and
/// result. The work itself travels on the queue and runs elsewhere; this grain is only its record, so
/// it answers status queries at once while the job runs.</summary>
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Creates the job and queues it; durable and queued when the task completes. Calling it
    /// again for an existing job changes nothing (it re-queues a job whose queuing failed) and returns it.</summary>
    Task<JobView> Enqueue(NewJob job);

    /// <summary>The job, served from memory; null if no job has this id.</summary>
    ValueTask<JobView?> Get();

    /// <summary>The result of a succeeded job while it has not expired.</summary>
    Task<JobResult> GetResult();

    /// <summary>For the worker: starts the next attempt (durably counted, so attempts stay bounded across
    /// crashes). Null when the job is already finished, so a repeated delivery does nothing.</summary>
    Task<JobAttempt?> BeginAttempt();

    /// <summary>For the worker: how far the running attempt got, 0 to 100.</summary>
    Task ReportProgress(int percent);

    /// <summary>For the worker: the job succeeded with this result (JSON).</summary>
    Task Succeed(string resultJson);

    /// <summary>For the worker: the current attempt failed. When <paramref name="final"/> the job ends
    /// failed with this error; otherwise it waits for its next attempt.</summary>
    Task Fail(string error, bool final);
}

/// <summary>A user's data exports, keyed by the user id: it makes "at most one export per user at a
/// time" a single decision.</summary>
public interface IUserExportsGrain : IGrainWithStringKey
{
    /// <summary>The user's queued or running export if there is one, else a newly queued one.</summary>
    Task<JobView> Request();
}

public enum JobStatus { Queued, Running, Succeeded, Failed }

/// <summary>The kinds of job the silos run.</summary>
public static class JobKinds
{
    /// <summary>Everything the system holds about one user, as one JSON document.</summary>
    public const string UserExport = "user.export";
}

[GenerateSerializer, Immutable]
public sealed record NewJob(
    [property: Id(0)] string Kind,
    [property: Id(1)] string OwnerId,
    [property: Id(2)] string Input);

[GenerateSerializer, Immutable]
public sealed record JobView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string OwnerId,
    [property: Id(3)] JobStatus Status,
    [property: Id(4)] int Progress,
    [property: Id(5)] int Attempts,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset? StartedAt,
    [property: Id(8)] DateTimeOffset? FinishedAt,
    [property: Id(9)] string? Error)
{
    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed;
}

public enum JobResultOutcome { NotFound, NotFinished, Failed, Expired, Ready }

[GenerateSerializer, Immutable]
public sealed record JobResult(
    [property: Id(0)] JobResultOutcome Outcome,
    [property: Id(1)] string? OwnerId,
    [property: Id(2)] string? Json);

[GenerateSerializer, Immutable]
public sealed record JobAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] string Kind,
    [property: Id(2)] string OwnerId,
    [property: Id(3)] string Input,
    [property: Id(4)] string? PreviousError);
