using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace OrleansScale.Catalog;

/// <summary>One listing query's cached result (its rendered JSON), keyed by the query's hash. Filled from
/// the read table on a miss; dropped by the registry of its category when a product that could be in it
/// changes, unless it was read after that change committed (its snapshot sees the change's transaction).</summary>
[GrainType("catalog-listing")]
public sealed partial class ListingGrain(CatalogDatabase database, ILogger<ListingGrain> logger) : Grain, IListingGrain
{
    byte[]? cached;
    // What the cached result's query saw; null when it was read from a replica, whose snapshots cannot say.
    PostgresSnapshot? cachedSnapshot;
    // Grows on every invalidation; a result whose query began in an older generation is not cached.
    long generation;

    public async Task<ListingResult> Get(ListingQuery query)
    {
        if (cached is not null)
            return new ListingResult(true, cached);

        // Registering first: an invalidation from now on reaches this grain and bumps the generation, so
        // a result that may predate it is served but not cached. An invalidation before now is covered
        // by the position the registry returns.
        var started = generation;
        var registration = await GrainFactory.GetGrain<IListingRegistryGrain>(query.RegistryKey).Register(this.GetPrimaryKeyString());
        var (json, snapshot) = await Run(database.Read, query, registration.Position, onPrimary: !database.HasReplica);
        if (json is null)
        {
            // The replica has not replayed the latest invalidating change yet: its answer would be stale.
            LogReplicaBehind(query.RegistryKey, registration.Position);
            (json, snapshot) = await Run(database.Primary, query, 0, onPrimary: true);
        }
        // Only a registered listing is invalidated, so only a registered listing may keep its result.
        if (generation == started && registration.Registered)
            (cached, cachedSnapshot) = (json, snapshot);
        return new ListingResult(false, json!);
    }

    public Task Invalidate()
    {
        generation++;
        (cached, cachedSnapshot) = (null, null);
        return Task.CompletedTask;
    }

    public async Task<bool> Changed(ulong committedXid)
    {
        if (cached is not null && cachedSnapshot is { } snapshot && snapshot.Sees(committedXid))
            return true;
        // A query in flight may have begun before the commit: its result is served, not cached.
        await Invalidate();
        return false;
    }

    /// <summary>Counts and reads the page in one round trip; no JSON when the server is a replica that has not
    /// replayed up to <paramref name="freshFrom"/>. The replay position is read before the rows, so rows
    /// read after a sufficient position include every change up to it. On the primary, the snapshot is taken
    /// in that first statement too: the rows, read by later statements, see every transaction it sees.</summary>
    static async Task<(byte[]? Json, PostgresSnapshot? Snapshot)> Run(NpgsqlDataSource source, ListingQuery query, ulong freshFrom, bool onPrimary)
    {
        var filter = query.Category is null ? "" : "AND category = $1";
        var order = query.Sort switch
        {
            ListingSort.Price => "price ASC NULLS LAST, id",
            ListingSort.Rating => "rating DESC, id",
            _ => "created_at DESC, id",
        };
        await using var batch = source.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(onPrimary
            ? "SELECT pg_last_wal_replay_lsn(), pg_current_snapshot()::text"
            : "SELECT pg_last_wal_replay_lsn()"));
        var count = new NpgsqlBatchCommand($"SELECT count(*) FROM catalog_product WHERE NOT deleted {filter}");
        var page = new NpgsqlBatchCommand($"""
            SELECT id, name, category, price_currency, price, rating, review_count
            FROM catalog_product WHERE NOT deleted {filter}
            ORDER BY {order} LIMIT {query.PageSize} OFFSET {(long)(query.Page - 1) * query.PageSize}
            """);
        if (query.Category is not null)
        {
            count.Parameters.Add(new NpgsqlParameter { Value = query.Category });
            page.Parameters.Add(new NpgsqlParameter { Value = query.Category });
        }
        batch.BatchCommands.Add(count);
        batch.BatchCommands.Add(page);

        await using var reader = await batch.ExecuteReaderAsync();
        await reader.ReadAsync();
        if (!reader.IsDBNull(0) && (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(0) < freshFrom)
            return (null, null);
        PostgresSnapshot? snapshot = onPrimary ? PostgresSnapshot.Parse(reader.GetString(1)) : null;
        await reader.NextResultAsync();
        await reader.ReadAsync();
        var total = reader.GetInt64(0);
        await reader.NextResultAsync();

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("items");
            while (await reader.ReadAsync())
            {
                json.WriteStartObject();
                json.WriteString("id", reader.GetString(0));
                json.WriteString("name", reader.GetString(1));
                json.WriteString("category", reader.GetString(2));
                if (reader.IsDBNull(4))
                {
                    json.WriteNull("price");
                }
                else
                {
                    json.WriteStartObject("price");
                    json.WriteString("currency", reader.GetString(3));
                    json.WriteNumber("amount", reader.GetDecimal(4));
                    json.WriteEndObject();
                }
                json.WriteStartObject("rating");
                json.WriteNumber("average", reader.GetDouble(5));
                json.WriteNumber("count", reader.GetInt64(6));
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("page", query.Page);
            json.WriteNumber("pageSize", query.PageSize);
            json.WriteNumber("total", total);
            json.WriteEndObject();
        }
        return (buffer.ToArray(), snapshot);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica behind the latest invalidation of {Registry} (position {Position}); listing read from the primary")]
    partial void LogReplicaBehind(string registry, ulong position);
}

/// <summary>The listings cached for one category (or for all), so a change finds exactly the listings it
/// could affect without asking every listing grain. The set is persisted, so a silo's death does not make
/// the cluster forget a cached listing that must still be dropped; it is written only when it changes, so
/// the registry of all categories, which hears of every change, costs no write while nothing is cached.
/// It holds at most <see cref="CatalogOptions.MaxListingsPerRegistry"/> listings until changes drop them: a crawler paging through thousands of pages of one category between two
/// changes fills it, and the pages beyond are served uncached instead of growing the document.</summary>
[GrainType("catalog-listing-registry")]
public sealed partial class ListingRegistryGrain(
    [PersistentState("catalog-listing-registry", StorageNames.Main)] IPersistentState<ListingRegistryState> state,
    CatalogDatabase database,
    IOptions<CatalogOptions> options,
    ILogger<ListingRegistryGrain> logger)
    : Grain, IListingRegistryGrain
{
    // Whether "full" was logged since the registry was last emptied: once per filling, not once per miss.
    bool fullLogged;

    // The primary's WAL position after the latest invalidation. Not persisted: a new activation starts
    // from the primary's current position, which is at or after every invalidation it may have missed.
    ulong position;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var command = database.Primary.CreateCommand("SELECT pg_current_wal_lsn()");
        position = (ulong)(NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<ListingRegistration> Register(string listingKey)
    {
        var listings = state.State.Listings;
        if (listings.Contains(listingKey))
            return new ListingRegistration(true, position);
        if (listings.Count >= options.Value.MaxListingsPerRegistry)
        {
            if (!fullLogged)
            {
                fullLogged = true;
                LogFull(this.GetPrimaryKeyString(), listings.Count);
            }
            return new ListingRegistration(false, position);
        }
        listings.Add(listingKey);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not durable, so not registered: the listing must not cache what no invalidation may reach.
            listings.Remove(listingKey);
            throw;
        }
        return new ListingRegistration(true, position);
    }

    public Task Invalidate(ulong position) => Drop(position, async l =>
    {
        await GrainFactory.GetGrain<IListingGrain>(l).Invalidate();
        return false;
    });

    public Task Changed(ulong position, ulong committedXid) =>
        Drop(position, l => GrainFactory.GetGrain<IListingGrain>(l).Changed(committedXid));

    /// <summary>Tells every registered listing of a change and forgets those that dropped their result; those that
    /// keep one stay registered, so the next change reaches them.</summary>
    async Task Drop(ulong position, Func<string, Task<bool>> tell)
    {
        this.position = Math.Max(this.position, position);
        if (state.State.Listings.Count == 0)
            return;
        var listings = state.State.Listings.ToList();
        // Dropped before they are forgotten here: dying in between leaves them registered, which is safe.
        var kept = await Task.WhenAll(listings.Select(tell));
        var dropped = listings.Where((_, i) => !kept[i]).ToList();
        if (dropped.Count == 0)
            return;
        state.State.Listings.ExceptWith(dropped);
        await state.WriteStateAsync();
        fullLogged = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing registry {Registry} is full ({Count} listings, setting Catalog:MaxListingsPerRegistry): further listings of it are served uncached until its next invalidation")]
    partial void LogFull(string registry, int count);
}

/// <summary>The listings registered with one registry (state "catalog-listing-registry"): keys of 32 hex
/// digits, at most <see cref="CatalogOptions.MaxListingsPerRegistry"/> of them
/// (<c>Catalog:MaxListingsPerRegistry</c>, 10,000 by default); a change removes those it drops.</summary>
[GenerateSerializer]
public sealed class ListingRegistryState
{
    /// <summary>Bytes one key takes in the stored set: 32 hex digits, quotes and a comma, rounded up.</summary>
    public const int BytesPerListing = 48;

    /// <summary>The stored document's bound with these catalog settings.</summary>
    public static long MaxStoredBytes(CatalogOptions catalog) =>
        StoredSize.Object + (long)catalog.MaxListingsPerRegistry * BytesPerListing;

    [Id(0)] public HashSet<string> Listings { get; set; } = [];
}
