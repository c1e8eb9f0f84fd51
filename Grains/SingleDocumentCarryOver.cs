using Orleans.Storage;

namespace OrleansScale;

/// <summary>Moves an index that used to be one grain-state document into rows of its own table: reads the
/// document, hands its entries to the table's idempotent insert, then deletes the document. Because the
/// document goes last and the insert ignores rows already there, an activation that dies half-way simply
/// repeats the move on its next activation.</summary>
static class SingleDocumentCarryOver
{
    /// <summary>Moves the document if there is one; returns how many entries it held, or null when there was
    /// none (already moved, or never written).</summary>
    public static async Task<int?> Move<TDocument, TEntry>(
        IGrainStorage storage, string stateName, GrainId grain,
        Func<TDocument, IReadOnlyList<TEntry>> entries,
        Func<IReadOnlyList<TEntry>, Task> insert,
        CancellationToken cancellationToken)
        where TDocument : class, new()
    {
        var old = new GrainState<TDocument>(new TDocument());
        await storage.ReadStateAsync(stateName, grain, old, cancellationToken);
        if (!old.RecordExists)
            return null;
        var moving = old.State is null ? [] : entries(old.State);
        await insert(moving);
        await storage.ClearStateAsync(stateName, grain, old, cancellationToken);
        return moving.Count;
    }
}
