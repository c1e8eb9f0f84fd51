using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansScale.Users;

namespace OrleansScale.Activities;

/// <summary>The consumer of the fan-out queue, one activation per queue stream (an author's lane). It reads
/// the author's friends when the activity is delivered, so a friend removed before that no longer receives
/// it. It holds no state: it returns to the queue once every feed shows the activity, so a fan-out that
/// fails or whose silo dies before that is delivered again by the queue and repeated in full, and the feeds
/// drop what they already hold. The feeds' writes are awaited in the background
/// (<see cref="FanOutConfirmations"/>), not in the lane, so the next activity of the lane need not wait for
/// them. Placed on the silo whose pulling agent delivers to it, which keeps the hop from the queue local.</summary>
[GrainType("activity-fanout")]
[ImplicitStreamSubscription(ActivityQueue.FanOutNamespace)]
[PreferLocalPlacement]
public sealed class ActivityFanOutGrain(
    IOptions<ActivityOptions> options,
    FeedDeliveryBuffer buffer,
    FanOutConfirmations confirmations) : Grain, IActivityFanOutGrain, IStreamSubscriptionObserver
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<ActivityView>().ResumeAsync((activity, _) => FanOut(activity));

    public async Task FanOut(ActivityView activity)
    {
        var started = DateTimeOffset.UtcNow;
        var friends = await GrainFactory.GetGrain<IFriendsGrain>(activity.UserId).FriendIds();
        // Batches bound how many feeds one fan-out has waiting at once, so a 5,000-friend author does not
        // flood the cluster while other authors' fan-outs wait; the next batch starts when the previous
        // one is visible, without waiting for its writes.
        var deliveries = new List<FeedDelivery>();
        foreach (var batch in friends.Chunk(options.Value.FanOutBatchSize))
        {
            var delivery = await buffer.Deliver(batch, activity);
            await delivery.Applied;
            deliveries.Add(delivery);
        }
        confirmations.ConfirmWhenWritten(activity, friends.Count, deliveries, started);
    }
}
