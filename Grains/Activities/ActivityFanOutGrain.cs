using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansScale.Users;

namespace OrleansScale.Activities;

/// <summary>The consumer of the fan-out queue, one activation per queue stream (an author's lane). It reads
/// the author's friends when the activity is delivered, so a friend removed before that no longer receives
/// it. It holds no state: it returns to the queue only when every feed has written the activity, so a
/// fan-out that fails or whose silo dies is delivered again by the queue and repeated in full, and the
/// feeds drop what they already hold. Placed on the silo whose pulling agent delivers to it, which keeps
/// the hop from the queue local.</summary>
[GrainType("activity-fanout")]
[ImplicitStreamSubscription(ActivityQueue.FanOutNamespace)]
[PreferLocalPlacement]
public sealed partial class ActivityFanOutGrain(
    IOptions<ActivityOptions> options,
    FeedDeliveryBuffer buffer,
    ILogger<ActivityFanOutGrain> logger) : Grain, IActivityFanOutGrain, IStreamSubscriptionObserver
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<ActivityView>().ResumeAsync((activity, _) => FanOut(activity));

    public async Task FanOut(ActivityView activity)
    {
        var friends = await GrainFactory.GetGrain<IFriendsGrain>(activity.UserId).FriendIds();
        // Batches bound how many feeds one fan-out has waiting at once, so a 5,000-friend author does not
        // flood the cluster while other authors' fan-outs wait; the next batch starts when the previous
        // one is visible, without waiting for its writes.
        var writes = new List<Task>();
        foreach (var batch in friends.Chunk(options.Value.FanOutBatchSize))
        {
            var delivery = await buffer.Deliver(batch, activity);
            await delivery.Applied;
            writes.Add(delivery.Durable);
        }
        await Task.WhenAll(writes);
        await GrainFactory.GetGrain<IActivityStreamGrain>(activity.UserId).ConfirmFannedOut(activity.Id);
        LogFannedOut(activity.Id, activity.UserId, friends.Count);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activity {ActivityId} of user {UserId} written to {FeedCount} feeds")]
    partial void LogFannedOut(string activityId, string userId, int feedCount);
}
