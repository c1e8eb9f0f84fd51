using OrleansScale.Activities;

namespace OrleansScale.Tests.Activities;

/// <summary>Reading feeds from tests: whole feeds straight from the grains, and waiting for an
/// activity to reach many feeds.</summary>
static class Feeds
{
    /// <summary>Every item of the feed, following the cursor.</summary>
    public static async Task<List<ActivityView>> All(IGrainFactory grains, string userId)
    {
        var items = new List<ActivityView>();
        string? before = null;
        do
        {
            var page = await grains.GetGrain<IActivityFeedGrain>(userId).Page(100, before);
            items.AddRange(page.Items);
            before = page.Next;
        } while (before is not null);
        return items;
    }

    public static async Task<bool> Has(IGrainFactory grains, string userId, string activityId) =>
        (await All(grains, userId)).Any(a => a.Id == activityId);

    /// <summary>Waits until every one of the feeds holds the activity; tolerates calls that fail while a
    /// silo has just died.</summary>
    public static Task AwaitEverywhere(IGrainFactory grains, IReadOnlyList<string> userIds, string activityId, TimeSpan timeout) =>
        Hosting.Await.Until(async () =>
        {
            try
            {
                var present = await Task.WhenAll(userIds.Select(u => Has(grains, u, activityId)));
                return present.Count(p => p);
            }
            catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
            {
                return -1;
            }
        }, count => count == userIds.Count, timeout, $"activity {activityId} in all {userIds.Count} feeds (count of feeds holding it)",
            probeTimeout: TimeSpan.FromSeconds(5));

    public static NewActivity Review(string subject = "product-1") =>
        new("review:" + Guid.NewGuid().ToString("N"), ActivityKinds.ReviewCreated, subject, "wrote a review");
}
