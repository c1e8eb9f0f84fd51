using Orleans.Storage;
using OrleansScale.Activities;

namespace OrleansScale.Tests.Storage;

public sealed partial class BoundedDocumentTests
{
    static readonly ActivityOptions PageOptions = BoundsFixture.Activities;

    /// <summary>A feed takes deliveries while it writes (it is reentrant), so a page can fall off while its own
    /// first write is still running: that page's row must go too. Driven directly, with a storage that holds
    /// the write, so the interleaving is certain.</summary>
    [Fact]
    public async Task A_page_that_falls_off_while_its_first_write_runs_is_deleted_by_the_next_write()
    {
        var stored = Stored;
        var owner = Guid.NewGuid().ToString("N");
        var storage = new HeldFirstWrite(stored.Storage(StorageNames.Feeds));
        var pages = new ActivityPages(storage, GrainId.Create("activity-feed", owner), "feed", PageOptions);
        await pages.Load(CancellationToken.None);

        // A full page goes out in a write that the storage holds.
        for (var i = 0; i < PageOptions.PageSize; i++)
            pages.Insert(Item(owner, i));
        var first = pages.Write([]);
        await storage.FirstWriteStarted;

        // Meanwhile so many items come that the held page falls off the end.
        for (var i = PageOptions.PageSize; i < 6 * PageOptions.PageSize; i++)
        {
            pages.Insert(Item(owner, i));
            pages.TrimToKeep();
        }
        storage.Release();
        await first;
        await pages.Write([]);

        var rows = (await stored.All()).Where(r => r.Key == owner && r.State.StartsWith("feed-page-", StringComparison.Ordinal)).ToList();
        Assert.InRange(rows.Count, 1, pages.MaxPages);
        Assert.DoesNotContain(rows, r => r.State == "feed-page-0");
    }

    static ActivityView Item(string owner, int i) =>
        new($"item-{i}", owner, ActivityKinds.ReviewCreated, "subject", $"Item {i}", DateTimeOffset.UnixEpoch.AddSeconds(i));

    /// <summary>Holds the first page write until released, then writes everything through.</summary>
    sealed class HeldFirstWrite(IGrainStorage inner) : IGrainStorage
    {
        readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int writes;

        public Task FirstWriteStarted => started.Task;
        public void Release() => released.TrySetResult();

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (stateName.Contains("-page-", StringComparison.Ordinal) && Interlocked.Increment(ref writes) == 1)
            {
                started.TrySetResult();
                await released.Task;
            }
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
