using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Checks;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>GET /api/users/{id}/feed?limit=100 with the user's own session, cycling over the watched
/// users. Feeds are filled by queued background work, so a missing item is not wrong here; a page out of
/// order or showing a non-friend is. Each acknowledged review seen for the first time gives one feed-lag
/// sample: from its acknowledgement to the answer that showed it (so the lag is rounded up to how often
/// one watched feed is read).</summary>
public sealed class FeedRead(WorkloadContext context) : Operation("feed-read", OperationGroup.Read)
{
    int next = -1;

    public override async Task<Outcome> ExecuteAsync(Phase phase)
    {
        var watched = context.Population.WatchedUsers;
        var owner = context.Population.Users[watched[(int)((uint)Interlocked.Increment(ref next) % (uint)watched.Length)]];
        var answer = await context.Api.Get($"/api/users/{owner.Id}/feed?limit={ActivityPages.PageSize}", owner.Bearer);
        if (!answer.Expect(200, ApiJson.Default.ActivityPageDocument, "feed of " + owner.Id, out var page, out var outcome))
            return outcome;
        var seenAt = context.Clock.Elapsed;
        foreach (var item in page.Items ?? [])
            if (context.Reviews.Find(item.Id) is { } review && review.MarkSeen())
                review.Phase.FeedLag.Record(seenAt - review.AckedAt);
        return ActivityPages.FeedInconsistency(page, owner, context.Population) is { } wrong ? Outcome.Wrong(wrong) : Outcome.Ok;
    }
}
