namespace OrleansScale.Activities;

/// <summary>What one user's friends did, newest first, keyed by the user id: the cache of record of
/// the user's feed, filled by the queued fan-out of each friend's activities and bounded to the newest
/// items.</summary>
public interface IActivityFeedGrain : IGrainWithStringKey
{
    /// <summary>Adds friends' activities. Delivery is at-least-once, so an activity whose id the feed
    /// already holds is ignored; durable when the task completes.</summary>
    Task Deliver(IReadOnlyList<ActivityView> activities);

    /// <summary>A page of the feed, newest first (by creation time, then id), served from memory. Pass
    /// the previous page's <see cref="ActivityPage.Next"/> as <paramref name="before"/> for the next page.</summary>
    ValueTask<ActivityPage> Page(int limit, string? before);
}

/// <summary>Delivers one user's activities to the feeds of the user's friends, keyed by the author's id.
/// The queue calls it for every posted activity; it may be called more than once for the same one.</summary>
public interface IActivityFanOutGrain : IGrainWithStringKey
{
    /// <summary>Delivers the activity to the feed of every current friend of its author, in batches.
    /// Safe to repeat: feeds ignore activities they already hold.</summary>
    Task FanOut(ActivityView activity);
}
