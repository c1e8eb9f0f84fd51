using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansScale.Queue;
using OrleansScale.Users;

namespace OrleansScale.Activities;

/// <summary>The consumer of the fan-out queue, one activation per queue stream (one activity). It reads
/// the author's friends when the activity is delivered, so a friend removed before that no longer receives
/// it, and returns only when every friend's feed has written the activity: until then the queue keeps the
/// message, so a fan-out that fails, times out or dies with its silo is delivered again (after the queue's
/// retry delay, or when its lease runs out) and repeated in full; feeds drop what they already hold.
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
    protected override Task Consume(ActivityView activity, CancellationToken cancellationToken) =>
        FanOut([activity], cancellationToken);

    // A stream carries one activity, so a batch is its repeated deliveries (published again after a crash).
    protected override Task ConsumeBatch(IReadOnlyList<ActivityView> activities, CancellationToken cancellationToken) =>
        FanOut(activities, cancellationToken);

    public Task FanOut(ActivityView activity) => FanOut([activity], CancellationToken.None);

    /// <summary>Activities of one author.</summary>
    async Task FanOut(IReadOnlyList<ActivityView> activities, CancellationToken cancellationToken)
    {
        var friends = await GrainFactory.GetGrain<IFriendsGrain>(activities[0].UserId).FriendIds();
        // Batches bound how many feeds one fan-out has waiting at once, so a 5,000-friend author does not
        // flood the cluster while other authors' fan-outs wait; the next batch starts when the previous one
        // is visible, and the writes of all of them are awaited together at the end.
        var deliveries = new List<FeedDelivery>();
        foreach (var batch in friends.Chunk(options.Value.FanOutBatchSize))
        {
            foreach (var activity in activities)
                deliveries.Add(await buffer.Deliver(batch, activity, cancellationToken));
            await Task.WhenAll(deliveries.Select(d => d.Applied)).WaitAsync(cancellationToken);
        }
        await Task.WhenAll(deliveries.Select(d => d.Durable)).WaitAsync(cancellationToken);
    }
}
