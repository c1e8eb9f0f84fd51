namespace OrleansScale.Activities;

/// <summary>The newest <see cref="ActivityOptions.Keep"/> activities of a feed or a stream, held in memory
/// oldest first in (creation time, id) order and stored as two documents: a head with the newest items,
/// rewritten by every write, and a tail with the rest, written only when the head spills into it.
/// Items that fall off the front stay in the stored tail until its next write, and are dropped again when
/// the list is loaded, so trimming never costs a tail write. Use it only from a grain's scheduler.</summary>
sealed class SplitActivityList(ActivityOptions options)
{
    readonly Dictionary<string, ActivityView> byId = new(StringComparer.Ordinal);
    // items[..split] are stored in the tail, items[split..] in the head.
    readonly List<ActivityView> items = [];
    int split;
    bool tailDirty;
    int addedSinceWrite;

    public int Count => items.Count;

    /// <summary>The oldest item; only when <see cref="Count"/> is not 0.</summary>
    public ActivityView Oldest => items[0];

    /// <summary>The newest item, or null when the list is empty.</summary>
    public ActivityView? Newest => items.Count > 0 ? items[^1] : null;

    public bool TryGet(string id, out ActivityView item) => byId.TryGetValue(id, out item!);

    public void Load(IEnumerable<ActivityView> tail, IEnumerable<ActivityView> head)
    {
        var tailCount = 0;
        // A crash between the two writes of a spill can leave an item in both documents: keep one.
        foreach (var item in tail)
        {
            if (byId.TryAdd(item.Id, item))
                items.Add(item);
            tailCount++;
        }
        foreach (var item in head)
        {
            if (byId.TryAdd(item.Id, item))
                items.Add(item);
        }
        items.Sort((a, b) => ActivityList.Compare(a.CreatedAt, a.Id, b));
        split = Math.Min(tailCount, items.Count);
        TrimToKeep();
    }

    /// <summary>Inserts in order; the caller has checked that the id is new.</summary>
    public void Insert(ActivityView item)
    {
        if (ActivityList.InsertInOrder(items, item) < split)
        {
            split++;
            tailDirty = true;
        }
        byId[item.Id] = item;
        addedSinceWrite++;
    }

    /// <summary>Drops the oldest items beyond <see cref="ActivityOptions.Keep"/> and returns them.</summary>
    public List<ActivityView> TrimToKeep()
    {
        var excess = items.Count - options.Keep;
        if (excess <= 0)
            return [];
        var dropped = items.GetRange(0, excess);
        items.RemoveRange(0, excess);
        foreach (var old in dropped)
            byId.Remove(old.Id);
        split = Math.Max(0, split - excess);
        return dropped;
    }

    public ActivityPage Page(int limit, string? before) => ActivityList.Page(items, limit, before);

    /// <summary>Writes the list: the tail first when the head spills into it (so an item is always in at
    /// least one stored document), then the head. The documents are copied before the first await, so
    /// changes made meanwhile go out with the next write.</summary>
    public async Task Write(Func<List<ActivityView>, Task> writeHead, Func<List<ActivityView>, Task> writeTail)
    {
        // Spilling all of the head at sqrt(2 × Keep × items per write) items minimises the bytes written per
        // write (head h/2 on average, the whole tail every h/r writes); a quiet list keeps twice the
        // configured head size.
        var spillAt = Math.Max(2 * options.FeedHeadSize, (int)Math.Sqrt(2.0 * options.Keep * addedSinceWrite));
        addedSinceWrite = 0;
        if (items.Count - split > spillAt)
        {
            split = items.Count;
            tailDirty = true;
        }
        var head = items[split..];
        if (tailDirty)
        {
            tailDirty = false;
            try
            {
                await writeTail(items[..split]);
            }
            catch
            {
                tailDirty = true;
                throw;
            }
        }
        await writeHead(head);
    }
}
