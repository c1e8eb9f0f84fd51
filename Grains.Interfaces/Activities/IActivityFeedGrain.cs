namespace OrleansScale.Activities;

/// <summary>What one user's friends did, newest first, keyed by the user id: the cache of record of
/// the user's feed, filled by the queued fan-out of each friend's activities and bounded to the newest
/// items.</summary>
public interface IActivityFeedGrain : IGrainWithStringKey
{
    /// <summary>Adds friends' activities. Delivery is at-least-once, so an activity whose id the feed
    /// already holds is ignored. Readers see the activities when the task completes; they are durable
    /// later, once <see cref="WhenDurable"/> of the returned receipt says so. Until then a crash of the
    /// feed's silo loses them, and the deliverer must deliver them again.</summary>
    Task<FeedReceipt> Deliver(IReadOnlyList<ActivityView> activities);

    /// <summary>Completes with true when everything delivered before the receipt was issued is durable;
    /// with false when the receipt came from an earlier activation of this feed, whose unwritten items
    /// may be lost (deliver them again).</summary>
    Task<bool> WhenDurable(FeedReceipt receipt);

    /// <summary>A page of the feed, newest first (by creation time, then id), served from memory. Pass
    /// the previous page's <see cref="ActivityPage.Next"/> as <paramref name="before"/> for the next page.</summary>
    ValueTask<ActivityPage> Page(int limit, string? before);
}

/// <summary>Names a future storage write of one activation of a feed: the items a
/// <see cref="IActivityFeedGrain.Deliver"/> took are durable once that write has succeeded.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedReceipt(
    [property: Id(0)] Guid Activation,
    [property: Id(1)] long Write);

/// <summary>Delivers one user's activities to the feeds of the user's friends, keyed by the queue stream
/// the activity came on (the author's id and a lane, see the stream grain). The queue calls it for every
/// posted activity; it may be called more than once for the same one.</summary>
public interface IActivityFanOutGrain : IGrainWithStringKey
{
    /// <summary>Delivers the activity to the feed of every current friend of its author, in batches, and
    /// completes when every one of those feeds has written it. Safe to repeat: a repeat while a fan-out of
    /// the same activation runs, or after one succeeded, waits for that one; otherwise it starts again, and
    /// feeds ignore activities they already hold.</summary>
    Task FanOut(ActivityView activity);
}
