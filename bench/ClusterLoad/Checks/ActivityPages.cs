using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Checks;

/// <summary>What a first page of activities (a feed, or a user's own stream) must show.</summary>
public static class ActivityPages
{
    public const int PageSize = 100;

    /// <summary>A feed page is newest first and holds only the owner's friends' activities; null when it
    /// does, else what is wrong.</summary>
    public static string? FeedInconsistency(ActivityPageDocument page, UserAccount owner, Population population)
    {
        var items = page.Items ?? [];
        for (var i = 0; i < items.Length; i++)
        {
            if (i > 0 && items[i].CreatedAt > items[i - 1].CreatedAt)
                return $"feed out of order: {owner.Id} item {i} ({items[i].Id}) newer than item {i - 1}";
            if (!population.UserIndex.TryGetValue(items[i].UserId ?? "", out var author) || Array.IndexOf(owner.Friends, author) < 0)
                return $"feed item by a non-friend: {owner.Id} shows {items[i].Id} by {items[i].UserId}";
        }
        return null;
    }

    /// <summary>The expected activities missing from a first page. An activity must be there when its page
    /// is not full (the page is then everything), or when it is newer than the page's oldest item: the
    /// review's createdAt is a lower bound of its activity's, so it would rank above that item.</summary>
    public static IReadOnlyList<ReviewActivity> Missing(ActivityPageDocument page, IEnumerable<ReviewActivity> expected)
    {
        var items = page.Items ?? [];
        var shown = items.Select(i => i.Id).ToHashSet();
        var full = items.Length >= PageSize;
        var oldest = items.Length > 0 ? items[^1].CreatedAt : DateTimeOffset.MaxValue;
        return expected.Where(a => !shown.Contains(a.ActivityId) && (!full || a.ReviewCreatedAt > oldest)).ToList();
    }
}
