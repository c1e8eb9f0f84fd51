namespace OrleansScale.Products;

/// <summary>A change of one product, published on the queue stream <see cref="ProductChanges.Namespace"/>
/// (keyed by the product id) after the change is durable. Delivery is at-least-once and may repeat an
/// event; consumers use <see cref="Version"/> to apply each change once and never go backwards.</summary>
[GenerateSerializer, Immutable]
public sealed record ProductChanged(
    [property: Id(0)] string ProductId,
    [property: Id(1)] long Version,
    [property: Id(2)] bool Deleted,
    [property: Id(3)] string Name,
    [property: Id(4)] string Category,
    [property: Id(5)] IReadOnlyList<Price> Prices,
    [property: Id(6)] double RatingAverage,
    [property: Id(7)] long ReviewCount,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt,
    [property: Id(10)] ReviewView? NewReview);

public static class ProductChanges
{
    /// <summary>The stream namespace of product changes on <see cref="StreamProviders.Queue"/>.</summary>
    public const string Namespace = "product-changes";
}
