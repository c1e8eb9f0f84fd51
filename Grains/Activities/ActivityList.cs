namespace OrleansScale.Activities;

/// <summary>Lists of activities kept oldest first in (creation time, id) order, the order pages are
/// served in (reversed) and cursors point into.</summary>
static class ActivityList
{
    public static int Compare(DateTimeOffset createdAt, string id, ActivityView item)
    {
        var byTime = createdAt.UtcTicks.CompareTo(item.CreatedAt.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(id, item.Id);
    }

    /// <summary>The index of the first item at or after the position.</summary>
    static int LowerBound(List<ActivityView> items, DateTimeOffset createdAt, string id)
    {
        int low = 0, high = items.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (Compare(createdAt, id, items[mid]) > 0)
                low = mid + 1;
            else
                high = mid;
        }
        return low;
    }

    /// <summary>Inserts in order and returns where.</summary>
    public static int InsertInOrder(List<ActivityView> items, ActivityView item)
    {
        // Nearly every item is the newest one; only late deliveries land in the middle.
        if (items.Count == 0 || Compare(item.CreatedAt, item.Id, items[^1]) > 0)
        {
            items.Add(item);
            return items.Count - 1;
        }
        var at = LowerBound(items, item.CreatedAt, item.Id);
        items.Insert(at, item);
        return at;
    }

    /// <summary>Up to <paramref name="limit"/> items older than the cursor (all when null), newest first.
    /// A cursor the list cannot read answers an empty last page; the API rejects such cursors first.</summary>
    public static ActivityPage Page(List<ActivityView> items, int limit, string? before)
    {
        var end = items.Count;
        if (before is not null)
        {
            if (!ActivityCursor.TryParse(before, out var createdAt, out var id))
                return new ActivityPage([], null);
            end = LowerBound(items, createdAt, id);
        }
        var start = Math.Max(0, end - Math.Max(1, limit));
        var page = new List<ActivityView>(end - start);
        for (var i = end - 1; i >= start; i--)
            page.Add(items[i]);
        return new ActivityPage(page, start > 0 ? ActivityCursor.For(page[^1]) : null);
    }
}
