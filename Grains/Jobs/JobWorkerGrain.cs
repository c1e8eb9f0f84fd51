using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansScale.Queue;

namespace OrleansScale.Jobs;

/// <summary>Runs a queued job: the consumer of the job's stream. The queue message stays unconfirmed
/// until this returns, so if the silo dies mid-job the queue hands the message to another silo and the
/// job runs again there. Attempts are counted in the job's record, so a job that keeps failing (or keeps
/// killing its silo) ends failed after <see cref="JobOptions.MaxAttempts"/> however it failed.</summary>
[GrainType("job-worker")]
[ImplicitStreamSubscription(JobStreams.Namespace)]
public sealed partial class JobWorkerGrain(
    IServiceProvider services,
    IOptions<JobOptions> options,
    ILogger<JobWorkerGrain> logger)
    : QueueConsumerGrain<JobQueued>, IGrainWithStringKey
{
    protected override async Task Consume(JobQueued queued, CancellationToken cancellationToken)
    {
        var job = GrainFactory.GetGrain<IJobGrain>(queued.JobId);
        var maxAttempts = options.Value.MaxAttempts;
        while (await job.BeginAttempt() is { } attempt)
        {
            if (attempt.Number > maxAttempts)
            {
                // The previous attempt never reported back: its silo stopped while running it.
                await job.Fail(GaveUp(maxAttempts, attempt.PreviousError ?? "the silo running it stopped."), final: true);
                return;
            }

            string error;
            var retry = true;
            try
            {
                var handler = services.GetKeyedService<IJobHandler>(attempt.Kind)
                    ?? throw new JobFailedException($"This cluster runs no jobs of kind '{attempt.Kind}'.");
                var result = await handler.Run(new JobContext(queued.JobId, attempt.OwnerId, attempt.Input, attempt.Number, job.ReportProgress, cancellationToken));
                await job.Succeed(result);
                return;
            }
            catch (JobFailedException e)
            {
                error = e.Message;
                retry = e.Retry;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // (At the queue's deadline the delivery fails instead, and the job is tried again later.)
                LogAttemptFailed(e, queued.JobId, attempt.Number);
                error = "An internal error occurred.";
            }

            if (!retry)
            {
                await job.Fail(error, final: true);
                return;
            }
            var final = attempt.Number >= maxAttempts;
            await job.Fail(final ? GaveUp(maxAttempts, error) : error, final);
            if (final)
                return;
            await Task.Delay(options.Value.RetryDelay * attempt.Number, cancellationToken);
        }
    }

    static string GaveUp(int attempts, string lastError) => $"The job failed after {attempts} attempts. Last error: {lastError}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} attempt {Attempt} failed")]
    partial void LogAttemptFailed(Exception exception, string jobId, int attempt);
}
