using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansScale.Queue;

namespace OrleansScale.Jobs;

[GrainType("job")]
public sealed partial class JobGrain(
    [PersistentState("job", StorageNames.Main)] IPersistentState<JobState> state,
    IOptions<JobOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<JobGrain> logger) : Grain, IJobGrain
{
    string Id => this.GetPrimaryKeyString();

    public async Task<JobView> Enqueue(NewJob job)
    {
        var s = state.State;
        if (s.Kind is null)
        {
            s.Kind = job.Kind;
            s.OwnerId = job.OwnerId;
            s.Input = job.Input;
            s.Status = JobStatus.Queued;
            s.CreatedAt = clock.GetUtcNow();
            await Persist();
        }
        if (!s.Queued)
        {
            // Written before it is queued, so the worker always finds the job; a failure here leaves it
            // unqueued, and the next Enqueue (a repeated request) queues it.
            await this.PublishToQueue(JobStreams.Namespace, Id, new JobQueued(Id));
            s.Queued = true;
            await Persist();
            LogQueued(Id, s.Kind, s.OwnerId!);
        }
        return View();
    }

    public ValueTask<JobView?> Get() => ValueTask.FromResult(state.State.Kind is null ? null : View());

    public async Task<JobResult> GetResult()
    {
        var s = state.State;
        if (s.Kind is null)
            return new JobResult(JobResultOutcome.NotFound, null, null);
        if (s.Status == JobStatus.Failed)
            return new JobResult(JobResultOutcome.Failed, s.OwnerId, null);
        if (s.Status != JobStatus.Succeeded)
            return new JobResult(JobResultOutcome.NotFinished, s.OwnerId, null);
        if (clock.GetUtcNow() >= s.FinishedAt + options.Value.ResultTimeToLive)
        {
            if (s.Result is not null)
            {
                s.Result = null; // dropped when first asked for after expiry
                await Persist();
            }
            return new JobResult(JobResultOutcome.Expired, s.OwnerId, null);
        }
        return new JobResult(JobResultOutcome.Ready, s.OwnerId, s.Result);
    }

    public async Task<JobAttempt?> BeginAttempt()
    {
        var s = state.State;
        if (s.Kind is null || s.Status is JobStatus.Succeeded or JobStatus.Failed)
            return null;
        s.Attempts++;
        s.Status = JobStatus.Running;
        s.Progress = 0;
        s.StartedAt ??= clock.GetUtcNow();
        await Persist();
        return new JobAttempt(s.Attempts, s.Kind, s.OwnerId!, s.Input, s.Error);
    }

    public Task ReportProgress(int percent)
    {
        // Kept in memory only: progress is advisory, and a write per step would cost more than the step.
        state.State.Progress = Math.Clamp(percent, 0, 100);
        return Task.CompletedTask;
    }

    public async Task Succeed(string resultJson)
    {
        var s = state.State;
        if (s.Status is JobStatus.Succeeded or JobStatus.Failed)
            return;
        if (Encoding.UTF8.GetByteCount(resultJson) > JobState.MaxResultBytes)
        {
            // A kind without a limit of its own: refused here rather than stored, as the document's bound says.
            LogResultTooLarge(Id, s.Kind!, resultJson.Length);
            await Fail($"The result is larger than {JobState.MaxResultBytes:N0} bytes, the most a job may store.", final: true);
            return;
        }
        s.Status = JobStatus.Succeeded;
        s.Progress = 100;
        s.Result = resultJson;
        s.Error = null;
        s.FinishedAt = clock.GetUtcNow();
        await Persist();
        LogFinished(Id, s.Status, s.Attempts);
    }

    public async Task Fail(string error, bool final)
    {
        var s = state.State;
        if (s.Status is JobStatus.Succeeded or JobStatus.Failed)
            return;
        s.Error = error.Length <= JobState.MaxErrorLength ? error : error[..(JobState.MaxErrorLength - 1)] + "…";
        if (final)
        {
            s.Status = JobStatus.Failed;
            s.FinishedAt = clock.GetUtcNow();
            LogFinished(Id, s.Status, s.Attempts);
        }
        await Persist();
    }

    JobView View()
    {
        var s = state.State;
        return new JobView(Id, s.Kind!, s.OwnerId!, s.Status, s.Progress, s.Attempts, s.CreatedAt, s.StartedAt, s.FinishedAt, s.Error);
    }

    async Task Persist()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle(); // memory ran ahead of storage: reload on the next call
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of kind {Kind} for {OwnerId} queued")]
    partial void LogQueued(string jobId, string kind, string ownerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of kind {Kind} returned a result of {Length} characters, over the most a job stores; the job fails")]
    partial void LogResultTooLarge(string jobId, string kind, int length);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} finished {Status} after {Attempts} attempts")]
    partial void LogFinished(string jobId, JobStatus status, int attempts);
}

/// <summary>A job's record (state "job"): kind, owner, status, attempts, the last error and, once it
/// succeeded, its result until it expires. Bounded by the result: an export's is at most
/// <see cref="ExportOptions.MaxResultBytes"/> (<c>Exports:MaxResultBytes</c>, 8 MiB by default) of JSON that
/// System.Text.Json wrote in ASCII, stored with its quotes and backslashes escaped once more, so at most twice
/// that; a job of any kind whose result is over <see cref="MaxResultBytes"/> fails instead of storing it. The
/// error is cut to <see cref="MaxErrorLength"/> characters; kind, owner and input (empty for exports) are
/// short server-made strings.</summary>
[GenerateSerializer]
public sealed class JobState
{
    /// <summary>The largest result a job of any kind may store, in bytes of UTF-8; the most
    /// <c>Exports:MaxResultBytes</c> may be set to.</summary>
    public const int MaxResultBytes = 64 * 1024 * 1024;

    /// <summary>The longest error a job keeps.</summary>
    public const int MaxErrorLength = 2_000;

    /// <summary>The stored document's bound with these export settings.</summary>
    public static long MaxStoredBytes(ExportOptions exports) =>
        StoredSize.Object + 2L * exports.MaxResultBytes + MaxErrorLength * StoredSize.BytesPerChar;

    [Id(0)] public string? Kind { get; set; }
    [Id(1)] public string? OwnerId { get; set; }
    [Id(2)] public string Input { get; set; } = "";
    [Id(3)] public JobStatus Status { get; set; }
    [Id(4)] public int Progress { get; set; }
    [Id(5)] public int Attempts { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset? StartedAt { get; set; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(9)] public string? Error { get; set; }
    [Id(10)] public string? Result { get; set; }
    [Id(11)] public bool Queued { get; set; }
}
