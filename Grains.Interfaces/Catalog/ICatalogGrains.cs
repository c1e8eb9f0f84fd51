using Orleans.Concurrency;
using OrleansScale.Products;

namespace OrleansScale.Catalog;

/// <summary>Keeps the catalog read table up to date for one product, keyed by the product id; fed by the
/// product-change stream. Idempotent and ordered by version: an event at or below the row's version
/// changes no row.</summary>
public interface ICatalogProjectionGrain : IGrainWithStringKey
{
    /// <summary>Applies the change if it is newer than the row, then drops every cached listing the
    /// product is or could be in. Returns true when the row changed.</summary>
    Task<bool> Apply(ProductChanged change);
}

/// <summary>One cached listing, keyed by <see cref="ListingQuery.Key"/> (a hash of the normalised query).</summary>
public interface IListingGrain : IGrainWithStringKey
{
    /// <summary>The listing's JSON, from memory when cached (Hit), else from the read table.</summary>
    Task<ListingResult> Get(ListingQuery query);

    /// <summary>Drops the cached result, and any result of a query in flight. Interleaves with
    /// <see cref="Get"/>, which waits on the registry that calls this.</summary>
    [AlwaysInterleave]
    Task Invalidate();

    /// <summary>A change that could affect this listing committed in transaction <paramref name="committedXid"/>:
    /// a cached result read after that commit already shows it and is kept (true); anything else is dropped
    /// as by <see cref="Invalidate"/> (false).</summary>
    [AlwaysInterleave]
    Task<bool> Changed(ulong committedXid);
}

/// <summary>The cached listings that a change in one category could affect, keyed by the category, or by
/// <see cref="ListingRegistry.AllCategories"/> for listings without a category filter.</summary>
public interface IListingRegistryGrain : IGrainWithStringKey
{
    /// <summary>Records that a listing is cached, and returns the replication position of the latest
    /// invalidation: a replica result is fresh only if the replica has replayed that far. A registry holds a
    /// bounded number of listings; when it is full the listing is not recorded
    /// (<see cref="ListingRegistration.Registered"/> is false) and must not cache its result, since no
    /// invalidation would reach it.</summary>
    Task<ListingRegistration> Register(string listingKey);

    /// <summary>Drops every registered listing; <paramref name="position"/> is the primary's WAL position
    /// after the change that caused it.</summary>
    Task Invalidate(ulong position);

    /// <summary>As <see cref="Invalidate"/>, for a change that committed in transaction
    /// <paramref name="committedXid"/>: a listing whose cached result was read after that commit keeps it and
    /// stays registered, so a change drops each listing once, not also the fresh result of a read that came
    /// between the change's commit and this call.</summary>
    Task Changed(ulong position, ulong committedXid);
}

public static class ListingRegistry
{
    public const string AllCategories = "*";
}

[GenerateSerializer, Immutable]
public sealed record ListingResult(
    [property: Id(0)] bool Hit,
    [property: Id(1)] byte[] Json);

/// <param name="Registered">False when the registry was full: the listing may serve its result but must not
/// cache it.</param>
/// <param name="Position">The primary's WAL position after the latest invalidation of this registry.</param>
[GenerateSerializer, Immutable]
public sealed record ListingRegistration(
    [property: Id(0)] bool Registered,
    [property: Id(1)] ulong Position);
