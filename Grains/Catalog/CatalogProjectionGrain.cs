using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansScale.Products;
using OrleansScale.Queue;

namespace OrleansScale.Catalog;

[GrainType("catalog-projection")]
[ImplicitStreamSubscription(ProductChanges.Namespace)]
public sealed class CatalogProjectionGrain(CatalogDatabase database, IOptions<CatalogOptions> options)
    : QueueConsumerGrain<ProductChanged>, ICatalogProjectionGrain
{
    // A failure is thrown on, so the queue delivers the event again.
    protected override Task Consume(ProductChanged change, CancellationToken cancellationToken) => Apply(change, cancellationToken);

    // The row holds the newest version only, and listings read the row: of several changes of the product
    // handed over at once, applying the newest has the effect of applying them all in order.
    protected override Task ConsumeBatch(IReadOnlyList<ProductChanged> changes, CancellationToken cancellationToken) =>
        Apply(changes.MaxBy(c => c.Version)!, cancellationToken);

    public Task<bool> Apply(ProductChanged change) => Apply(change, CancellationToken.None);

    async Task<bool> Apply(ProductChanged change, CancellationToken cancellationToken)
    {
        // The connection goes back to the pool before the invalidation: registries may need one to
        // activate, and holding ours while waiting on them could starve the pool.
        var (applied, invalidate, oldCategory, lsn, xid) = await Write(change, cancellationToken);
        if (!invalidate)
            return false;
        var registries = new HashSet<string> { ListingRegistry.AllCategories, change.Category };
        if (oldCategory is not null)
            registries.Add(oldCategory);
        await Task.WhenAll(registries.Select(Tell));
        return applied;

        // With the transaction of the write, listings read after its commit keep their result.
        Task Tell(string registryKey)
        {
            var registry = GrainFactory.GetGrain<IListingRegistryGrain>(registryKey);
            return xid is { } committed ? registry.Changed(lsn, committed) : registry.Invalidate(lsn);
        }
    }

    /// <returns>Whether the row changed, whether listings must hear of it, the category the product left, the WAL
    /// position after the write (with a replica), and the write's transaction (null for a repeated delivery,
    /// whose write was an earlier transaction).</returns>
    async Task<(bool Applied, bool Invalidate, string? OldCategory, ulong Lsn, ulong? Xid)> Write(ProductChanged change, CancellationToken cancellationToken)
    {
        await using var connection = await database.Primary.OpenConnectionAsync(cancellationToken);
        var outcome = await Upsert(connection, change, cancellationToken);
        if (outcome.RowVersion is { } rowVersion && rowVersion > change.Version)
            return default; // an old event: the row already holds something newer, and listings were told then

        bool applied;
        string? oldCategory;
        if (outcome.RowVersion == change.Version)
        {
            // Delivered again. The first delivery may have died between the write and the invalidation,
            // so invalidate again: the same listings as the first time, which is harmless if done twice.
            (applied, oldCategory) = (false, outcome.RowPreviousCategory);
        }
        else if (outcome.Written)
            (applied, oldCategory) = (true, outcome.WrittenPreviousCategory);
        else
            return default; // a newer version got there between our read and our write
        var xid = applied ? outcome.Xid : null;

        // The position after the commit tells a listing whether a replica has replayed this change; with no
        // replica, listings read the primary and need no position.
        var lsn = 0UL;
        if (database.HasReplica)
        {
            await using var position = new NpgsqlCommand("SELECT pg_current_wal_lsn()", connection);
            lsn = (ulong)(NpgsqlLogSequenceNumber)(await position.ExecuteScalarAsync(cancellationToken))!;
        }
        return (applied, true, oldCategory, lsn, xid);
    }

    /// <summary>What the row held before (version and previous category, null when there was no row) and
    /// whether this event was written, with the category it replaced and the transaction that wrote it.</summary>
    readonly record struct UpsertOutcome(long? RowVersion, string? RowPreviousCategory, bool Written, string? WrittenPreviousCategory, ulong? Xid);

    /// <summary>Reads the row and writes the event in one statement (one round trip): the CTEs see the row as
    /// it was before the write. The WHERE keeps the row's version monotonic even if two activations raced.</summary>
    async Task<UpsertOutcome> Upsert(NpgsqlConnection connection, ProductChanged change, CancellationToken cancellationToken)
    {
        var currency = options.Value.ReferenceCurrency;
        var price = change.Prices.FirstOrDefault(p => p.Currency == currency);
        await using var command = new NpgsqlCommand("""
            WITH before AS (
                SELECT version, previous_category FROM catalog_product WHERE id = $1
            ), written AS (
                INSERT INTO catalog_product AS c (id, version, deleted, name, category, previous_category,
                    price_currency, price, rating, review_count, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (id) DO UPDATE SET
                    version = excluded.version, deleted = excluded.deleted, name = excluded.name,
                    previous_category = c.category, category = excluded.category,
                    price_currency = excluded.price_currency, price = excluded.price, rating = excluded.rating,
                    review_count = excluded.review_count, created_at = excluded.created_at, updated_at = excluded.updated_at
                WHERE excluded.version > c.version
                RETURNING previous_category, pg_current_xact_id()::text::bigint AS xid
            )
            SELECT (SELECT version FROM before), (SELECT previous_category FROM before),
                   EXISTS (SELECT 1 FROM written), (SELECT previous_category FROM written), (SELECT xid FROM written)
            """, connection)
        {
            Parameters =
            {
                new() { Value = change.ProductId },
                new() { Value = change.Version },
                new() { Value = change.Deleted },
                new() { Value = change.Name },
                new() { Value = change.Category },
                new() { Value = price is null ? DBNull.Value : currency, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = price is null ? DBNull.Value : price.Amount, NpgsqlDbType = NpgsqlDbType.Numeric },
                new() { Value = change.RatingAverage },
                new() { Value = change.ReviewCount },
                new() { Value = change.CreatedAt },
                new() { Value = change.UpdatedAt },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new UpsertOutcome(
            reader.IsDBNull(0) ? null : reader.GetInt64(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : (ulong)reader.GetInt64(4));
    }
}
