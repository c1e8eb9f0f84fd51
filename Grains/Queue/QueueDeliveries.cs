using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansScale.Queue;

/// <summary>Runs each delivery of a queue message to a consumer under the queue's deadline
/// (<see cref="QueueOptions.ConsumerTimeout"/>) and counts its outcome. The deadline cancels the token the
/// consumer gets and, if the consumer does not stop by itself, abandons it: the delivery then fails, so the
/// pulling agent always has its answer before its own call times out and never retries a delivery that is
/// still running. Consumers are idempotent, so work an abandoned delivery still finishes does no harm; the
/// retry comes only after <see cref="QueueOptions.RetryDelay"/>, by which time that work has ended.
/// At most <see cref="QueueOptions.ConsumerConcurrency"/> bounded deliveries work at once on this silo; one
/// waits for its turn within its deadline, and its turn ends when its work does, abandoned or not.</summary>
public sealed partial class QueueDeliveries(IOptions<QueueOptions> options, QueueMetrics metrics, ILogger<QueueDeliveries> logger)
{
    readonly SemaphoreSlim working = new(options.Value.ConsumerConcurrency);

    /// <summary>Runs one delivery of <paramref name="messages"/> messages of <paramref name="stream"/>;
    /// <paramref name="bounded"/> says whether it takes one of the silo's turns.</summary>
    public async Task Run(StreamId stream, string consumer, int messages, bool bounded, Func<CancellationToken, Task> consume)
    {
        var streamNamespace = stream.GetNamespace() ?? "";
        var timeout = options.Value.ConsumerTimeout;
        using var deadline = new CancellationTokenSource(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (bounded)
                await working.WaitAsync(deadline.Token);
            var work = consume(deadline.Token);
            if (bounded)
                _ = work.ContinueWith(static (_, turns) => ((SemaphoreSlim)turns!).Release(), working, TaskScheduler.Default);
            await work.WaitAsync(deadline.Token);
        }
        catch (Exception e) when (deadline.IsCancellationRequested)
        {
            metrics.Delivered(streamNamespace, consumer, messages, DeliveryOutcome.TimedOut, Stopwatch.GetElapsedTime(started));
            LogTimedOut(consumer, stream.ToString(), timeout);
            throw new TimeoutException($"{consumer} did not finish a delivery of {stream} within Queue:ConsumerTimeout ({timeout}).", e);
        }
        catch (Exception e)
        {
            metrics.Delivered(streamNamespace, consumer, messages, DeliveryOutcome.Failed, Stopwatch.GetElapsedTime(started));
            LogFailed(e, consumer, stream.ToString());
            throw;
        }
        metrics.Delivered(streamNamespace, consumer, messages, DeliveryOutcome.Done, Stopwatch.GetElapsedTime(started));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} gave up on a delivery of {Stream} after {Timeout}; the queue retries it after its retry delay")]
    partial void LogTimedOut(string consumer, string stream, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Consumer} failed a delivery of {Stream}; the queue retries it after its retry delay")]
    partial void LogFailed(Exception exception, string consumer, string stream);
}
