using Orleans.Storage;

namespace OrleansScale.Activities;

/// <summary>The newest <see cref="ActivityOptions.Keep"/> activities of a feed or a stream: in memory in
/// (creation time, id) order, and stored as numbered pages of about <see cref="ActivityOptions.PageSize"/>
/// items, in the order they arrived, plus a small index naming the first and the open (newest) page. A
/// write stores only the pages that changed, normally just the open one, so what a write costs does not
/// depend on how many activities came before: the 10,000th post of a user costs what the first did. A page
/// whose items have all fallen off is deleted; there are never more than
/// <see cref="MaxPages"/> pages (the oldest page's last survivors move to the open page), so the stored
/// size is bounded too (<see cref="MaxStoredItems"/>). Use it only from a grain's scheduler.</summary>
sealed class ActivityPages(IGrainStorage storage, GrainId grain, string name, ActivityOptions options)
{
    sealed class StoredPage(long number)
    {
        public long Number { get; } = number;
        public GrainState<ActivityPageDocument> Stored { get; set; } = new(new ActivityPageDocument());
        /// <summary>The live items stored in this page, in arrival order.</summary>
        public List<ActivityView> Items { get; } = [];
        public bool Dirty { get; set; }
        /// <summary>Handed to a write: its row exists, or will once that write ends, even while
        /// <see cref="Stored"/> does not say so yet.</summary>
        public bool Submitted { get; set; }
    }

    readonly List<ActivityView> items = [];
    readonly Dictionary<string, (ActivityView Item, StoredPage Page)> byId = new(StringComparer.Ordinal);
    readonly SortedDictionary<long, StoredPage> pages = [];
    readonly List<StoredPage> retired = [];
    GrainState<ActivityPageIndex> index = new(new ActivityPageIndex());
    long open;

    /// <summary>Most pages a list keeps: enough for <see cref="ActivityOptions.Keep"/> items, and the open one.</summary>
    public int MaxPages => (options.Keep + options.PageSize - 1) / options.PageSize + 1;

    /// <summary>Most items the stored pages hold together: a page is sealed at
    /// <see cref="ActivityOptions.PageSize"/> items, and may take up to as many again when the oldest page's
    /// survivors move into it.</summary>
    public int MaxStoredItems => MaxPages * 2 * options.PageSize;

    public int Count => items.Count;

    /// <summary>The oldest item; only when <see cref="Count"/> is not 0.</summary>
    public ActivityView Oldest => items[0];

    /// <summary>The newest item, or null when the list is empty.</summary>
    public ActivityView? Newest => items.Count > 0 ? items[^1] : null;

    public bool TryGet(string id, out ActivityView item)
    {
        var found = byId.TryGetValue(id, out var entry);
        item = entry.Item;
        return found;
    }

    public ActivityPage Page(int limit, string? before) => ActivityList.Page(items, limit, before);

    string IndexName => $"{name}-index";

    string PageName(long number) => $"{name}-page-{number}";

    /// <summary>Reads the stored pages. Stored is false when the list has no index yet: it was never stored
    /// in pages (the caller may carry over an earlier format), or its first write died after its pages and
    /// before its index, in which case those pages are loaded and the next write stores the index. Returns
    /// the ids the pages record as not yet published (streams only).</summary>
    public async Task<(bool Stored, IReadOnlyList<string> Unpublished)> Load(CancellationToken cancellationToken)
    {
        await storage.ReadStateAsync(IndexName, grain, index, cancellationToken);
        List<StoredPage> found;
        if (index.RecordExists)
        {
            var stored = index.State ?? new ActivityPageIndex();
            open = stored.Open;
            var numbers = new List<long>();
            for (var n = stored.First; n <= open; n++)
                numbers.Add(n);
            var read = await Task.WhenAll(numbers.Select(n => ReadPage(n, cancellationToken)));
            found = read.Where(p => p.Stored.RecordExists).ToList();
        }
        else
        {
            // Pages go out before the index, and a first write always starts at page 0. Taking page 0 for
            // absent when the index is would leave every later activation inserting a page 0 that exists:
            // a version conflict on each write, for good.
            var first = await ReadPage(0, cancellationToken);
            if (!first.Stored.RecordExists)
                return (false, []);
            open = 0;
            found = [first];
        }
        // A write that opened pages and died before it wrote the index left them beyond the index's open page.
        for (var n = open + 1; ; n++)
        {
            var page = await ReadPage(n, cancellationToken);
            if (!page.Stored.RecordExists)
                break;
            found.Add(page);
            open = n;
        }

        var unpublished = new List<string>();
        foreach (var page in found)
        {
            pages[page.Number] = page;
            var document = page.Stored.State ?? new ActivityPageDocument();
            foreach (var item in document.Items)
            {
                // A move of the oldest page's survivors that died before that page was deleted leaves an item
                // in two pages: one of them is enough.
                if (byId.TryAdd(item.Id, (item, page)))
                {
                    items.Add(item);
                    page.Items.Add(item);
                }
            }
            unpublished.AddRange(document.Unpublished);
        }
        if (!pages.ContainsKey(open))
            pages[open] = new StoredPage(open);
        items.Sort((a, b) => ActivityList.Compare(a.CreatedAt, a.Id, b));
        TrimToKeep();
        return (index.RecordExists, unpublished.Where(byId.ContainsKey).Distinct(StringComparer.Ordinal).ToList());
    }

    async Task<StoredPage> ReadPage(long number, CancellationToken cancellationToken)
    {
        var page = new StoredPage(number);
        await storage.ReadStateAsync(PageName(number), grain, page.Stored, cancellationToken);
        return page;
    }

    /// <summary>Takes in the items of an earlier storage format, oldest first, keeping what the pages already
    /// hold (a carry-over cut short is repeated). Only the newest <see cref="ActivityOptions.Keep"/> go in, so
    /// nothing is trimmed before the first write and that write starts at page 0, where
    /// <see cref="Load"/> looks for pages a crash left without an index.</summary>
    public void CarryOver(IEnumerable<ActivityView> oldestFirst)
    {
        foreach (var item in oldestFirst.TakeLast(options.Keep))
        {
            if (!byId.ContainsKey(item.Id))
                Insert(item);
        }
        TrimToKeep();
    }

    /// <summary>Inserts in order; the caller has checked that the id is new.</summary>
    public void Insert(ActivityView item)
    {
        var page = OpenPage();
        ActivityList.InsertInOrder(items, item);
        page.Items.Add(item);
        page.Dirty = true;
        byId[item.Id] = (item, page);
    }

    /// <summary>The page new items go to; a full one is sealed and the next page opened.</summary>
    StoredPage OpenPage()
    {
        if (!pages.TryGetValue(open, out var page))
            pages[open] = page = new StoredPage(open);
        if (page.Items.Count < options.PageSize)
            return page;
        // Rewritten once more, so that it stops recording the stream's unpublished ids.
        page.Dirty = true;
        open++;
        return pages[open] = new StoredPage(open);
    }

    /// <summary>Makes the next write store the open page even if no item changed (the stream's unpublished
    /// ids did).</summary>
    public void Touch() => OpenPage().Dirty = true;

    /// <summary>Drops the oldest items beyond <see cref="ActivityOptions.Keep"/> and returns them. Pages left
    /// empty are deleted with the next write; past <see cref="MaxPages"/>, the oldest page's survivors move to
    /// the open page first.</summary>
    public List<ActivityView> TrimToKeep()
    {
        var excess = items.Count - options.Keep;
        var dropped = excess > 0 ? items.GetRange(0, excess) : [];
        if (excess > 0)
            items.RemoveRange(0, excess);
        foreach (var old in dropped)
        {
            var page = byId[old.Id].Page;
            byId.Remove(old.Id);
            page.Items.Remove(old);
            if (page.Items.Count == 0 && page.Number != open)
                Retire(page);
        }
        // Pages hold items in arrival order, so a page can outlive its neighbours by a few late-created items.
        while (pages.Count > MaxPages)
        {
            var oldest = pages.First().Value;
            if (!pages.TryGetValue(open, out var target))
                pages[open] = target = new StoredPage(open);
            if (target.Items.Count + oldest.Items.Count > 2 * options.PageSize)
            {
                // Sealed rather than overfilled; this adds a page, but the next round fits into the new one.
                target.Dirty = true;
                open++;
                pages[open] = target = new StoredPage(open);
            }
            foreach (var survivor in oldest.Items)
            {
                target.Items.Add(survivor);
                byId[survivor.Id] = (survivor, target);
            }
            target.Dirty = true;
            Retire(oldest);
        }
        return dropped;
    }

    void Retire(StoredPage page)
    {
        pages.Remove(page.Number);
        // A page whose first write is still running has no ETag yet, but will have a row: it must be deleted
        // too, or the row would stay behind for good (the feed takes deliveries while it writes).
        if (page.Submitted || page.Stored.RecordExists || page.Stored.ETag is not null)
            retired.Add(page);
    }

    /// <summary>Stores the changed pages (the open one records <paramref name="unpublished"/>), then deletes
    /// the pages that fell off, then the index if the range of pages changed. Pages are copied before the
    /// first await, so changes made meanwhile go out with the next write. Never run two writes at once.</summary>
    public async Task Write(IReadOnlyCollection<string> unpublished, CancellationToken cancellationToken = default)
    {
        var changed = pages.Values.Where(p => p.Dirty).ToList();
        var documents = changed.Select(p => new ActivityPageDocument
        {
            Items = [.. p.Items],
            Unpublished = p.Number == open ? [.. unpublished] : [],
        }).ToList();
        foreach (var page in changed)
        {
            page.Dirty = false;
            page.Submitted = true;
        }
        // Writes never overlap, so a page's earlier write has ended: one whose only write failed has no row.
        retired.RemoveAll(page => !page.Stored.RecordExists && page.Stored.ETag is null);
        var deleting = retired.ToList();
        retired.Clear();
        var range = new ActivityPageIndex { First = pages.Count > 0 ? pages.Keys.First() : open, Open = open };
        try
        {
            await Task.WhenAll(changed.Select((page, i) =>
            {
                page.Stored.State = documents[i];
                return storage.WriteStateAsync(PageName(page.Number), grain, page.Stored, cancellationToken);
            }));
            // Deleted before the index stops naming them: a crash in between leaves the index naming a page
            // that is gone, which reads as empty; the other order could leave a row nobody reads again.
            foreach (var page in deleting)
                await storage.ClearStateAsync(PageName(page.Number), grain, page.Stored, cancellationToken);
            deleting.Clear();
            if (!index.RecordExists || index.State?.First != range.First || index.State?.Open != range.Open)
            {
                index.State = range;
                await storage.WriteStateAsync(IndexName, grain, index, cancellationToken);
            }
        }
        catch
        {
            foreach (var page in changed)
                page.Dirty = true;
            retired.AddRange(deleting);
            throw;
        }
    }
}

/// <summary>Which pages of a feed or stream exist: <see cref="First"/> to <see cref="Open"/>, the page new
/// items go to. A few bytes, written only when a page opens or is deleted.</summary>
[GenerateSerializer]
public sealed class ActivityPageIndex
{
    [Id(0)] public long First { get; set; }
    [Id(1)] public long Open { get; set; }
}

/// <summary>One stored page of a feed or a stream: at most about 2 × <see cref="ActivityOptions.PageSize"/>
/// items (see <see cref="ActivityPages.MaxStoredItems"/>), in arrival order, and for a stream's open page the
/// ids of posted activities whose queue message may not be in yet.</summary>
[GenerateSerializer]
public sealed class ActivityPageDocument
{
    [Id(0)] public List<ActivityView> Items { get; set; } = [];
    [Id(1)] public List<string> Unpublished { get; set; } = [];
}
