using OrleansScale.Products;

namespace OrleansScale.Api.Products;

// The product grain and the listing grain render their JSON themselves (a read hands out ready bytes), so no
// C# type of this process holds what they write. These records describe it for the OpenAPI document; the
// API tests check real answers against the schemas made from them.

/// <summary>The product aggregate as GET, POST and PUT /api/products answer it.</summary>
public sealed record ProductDocument(
    string Id, string Name, string Description, string Category, IReadOnlyList<Price> Prices,
    IReadOnlyList<string> Pictures, IReadOnlyList<ReviewView> Reviews, ProductRating Rating, long Version);

/// <summary>The average over all of a product's reviews (0 when it has none) and their number.</summary>
public sealed record ProductRating(double Average, long Count);

/// <summary>A page of the catalogue listing, GET /api/products.</summary>
public sealed record ListingPage(IReadOnlyList<ListingItem> Items, int Page, int PageSize, long Total);

/// <summary>A product in the listing; <c>price</c> is its price in the catalogue's reference currency (USD
/// unless configured otherwise), null when it has none in that currency.</summary>
public sealed record ListingItem(string Id, string Name, string Category, Price? Price, ProductRating Rating);
