using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansScale.Queue;
using OrleansScale.Users;

namespace OrleansScale.Activities;

/// <summary>The consumer of the fan-out queue, one activation per queue stream (one activity). It reads
/// the author's friends when the activity is delivered, so a friend removed before that no longer receives
/// it, and returns only when every friend's feed has written the activity: until then the queue keeps the
/// message, so a fan-out that fails or dies with its silo is delivered again (after the queue's retry delay,
/// or when its lease runs out) and repeated in full; feeds drop what they already hold.
/// A delivery that only ran out of time does not start over: the fan-out goes on in the background, and the
/// queue's next delivery of the message waits for that same run, so a slow fan-out costs its feeds one
/// delivery however often the queue retries it.
/// Readers see the activity in a feed as soon as that feed has it in memory, seconds before it is written.
/// Placed on the silo whose pulling agent delivers to it, which keeps the hop from the queue local.</summary>
[GrainType("activity-fanout")]
[ImplicitStreamSubscription(ActivityQueue.FanOutNamespace)]
[PreferLocalPlacement]
// One activation per activity: done with it in seconds, so it need not wait the default quarter of an hour
// (Orleans' shortest limit is just above its one-minute collection quantum).
[CollectionAgeLimit(Minutes = 2)]
public sealed class ActivityFanOutGrain(IOptions<ActivityOptions> options, FeedDeliveryBuffer buffer)
    : QueueConsumerGrain<ActivityView>, IActivityFanOutGrain
{
    // The run of this activation, kept past a delivery's deadline; replaced only when it failed.
    Task? run;

    // It mostly waits for feeds to write; the buffer bounds its calls (Activities:FanOutConcurrency).
    protected override bool BoundedByConsumerConcurrency => false;

    protected override Task Consume(ActivityView activity, CancellationToken cancellationToken) =>
        JoinOrStart([activity]).WaitAsync(cancellationToken);

    // A stream carries one activity, so a batch is its repeated deliveries (published again after a crash).
    protected override Task ConsumeBatch(IReadOnlyList<ActivityView> activities, CancellationToken cancellationToken) =>
        JoinOrStart(activities).WaitAsync(cancellationToken);

    public Task FanOut(ActivityView activity) => JoinOrStart([activity]);

    Task JoinOrStart(IReadOnlyList<ActivityView> activities)
    {
        if (run is null || run.IsFaulted || run.IsCanceled)
            run = FanOut(activities);
        return run;
    }

    /// <summary>Activities of one author. The deliveries run in the silo's buffer, so they go on if this
    /// activation is collected before they end.</summary>
    async Task FanOut(IReadOnlyList<ActivityView> activities)
    {
        var friends = await GrainFactory.GetGrain<IFriendsGrain>(activities[0].UserId).FriendIds();
        await buffer.DeliverAll(friends, activities, options.Value.FanOutBatchSize);
    }
}
