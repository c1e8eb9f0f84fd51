using System.Security.Cryptography;
using System.Text;

namespace OrleansScale.Catalog;

public enum ListingSort { Newest, Price, Rating }

/// <summary>A normalised listing query: the category in lower case (null for all), the sort, the page and
/// its size. Two requests that differ only in parameter order or case normalise to the same query and so
/// to the same <see cref="Key"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ListingQuery(
    [property: Id(0)] string? Category,
    [property: Id(1)] ListingSort Sort,
    [property: Id(2)] int Page,
    [property: Id(3)] int PageSize)
{
    /// <summary>The hash of the normalised query that names its cache grain.</summary>
    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"category={Category}&sort={Sort}&page={Page}&pageSize={PageSize}")))[..32];

    /// <summary>The registry that must hear about changes that could affect this listing.</summary>
    public string RegistryKey => Category ?? ListingRegistry.AllCategories;
}
