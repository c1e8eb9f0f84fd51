using Microsoft.Extensions.Logging;

namespace OrleansScale.Activities;

/// <summary>Confirms fan-outs to their authors' streams once every feed has written them. The fan-out has
/// already returned to the queue by then (every feed shows the activity), so until this confirmation the
/// author's stream is what keeps the activity from being lost: it holds the id as unconfirmed and queues it
/// again after <see cref="ActivityOptions.RequeueAfter"/>, woken by a durable reminder even when its own
/// silo died. A confirmation that fails, or dies with this silo, therefore costs a repeated fan-out, which
/// the feeds drop, and never an activity.</summary>
public sealed partial class FanOutConfirmations(IGrainFactory grains, ILogger<FanOutConfirmations> logger)
{
    /// <summary>Starts waiting, off the caller's grain, for the deliveries' writes, then confirms.</summary>
    public void ConfirmWhenWritten(ActivityView activity, int feedCount, IReadOnlyList<FeedDelivery> deliveries,
        DateTimeOffset started)
    {
        var visible = DateTimeOffset.UtcNow;
        _ = Task.Run(() => Confirm(activity, feedCount, deliveries, started, visible));
    }

    async Task Confirm(ActivityView activity, int feedCount, IReadOnlyList<FeedDelivery> deliveries,
        DateTimeOffset started, DateTimeOffset visible)
    {
        try
        {
            foreach (var delivery in deliveries)
                await delivery.Durable.ConfigureAwait(false);
            var written = DateTimeOffset.UtcNow;
            await grains.GetGrain<IActivityStreamGrain>(activity.UserId).ConfirmFannedOut(activity.Id).ConfigureAwait(false);
            LogConfirmed(activity.Id, activity.UserId, feedCount, (started - activity.CreatedAt).TotalMilliseconds,
                (visible - started).TotalMilliseconds, (written - visible).TotalMilliseconds);
        }
        catch (Exception e)
        {
            LogNotConfirmed(e, activity.Id, activity.UserId);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activity {ActivityId} of user {UserId} fanned out to {FeedCount} feeds: " +
        "waited {QueuedMs:0} ms in the queue, visible {VisibleMs:0} ms later, written {WrittenMs:0} ms after that")]
    partial void LogConfirmed(string activityId, string userId, int feedCount, double queuedMs, double visibleMs, double writtenMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {ActivityId} of user {UserId}: the fan-out is not " +
        "confirmed; the user's stream queues it again")]
    partial void LogNotConfirmed(Exception exception, string activityId, string userId);
}
