namespace OrleansScale.Sessions;

/// <summary>The limits of a cart.</summary>
public static class CartLimits
{
    public const int MinQuantity = 1;
    public const int MaxQuantity = 999;
    public const int MaxLines = 100;
}

[GenerateSerializer, Immutable]
public sealed record CartLine(
    [property: Id(0)] string ProductId,
    [property: Id(1)] int Quantity);

[GenerateSerializer, Immutable]
public sealed record CartView(
    [property: Id(0)] IReadOnlyList<CartLine> Items);

public enum CartOutcome { Done, NoSession, UnknownProduct, TooManyLines, InvalidQuantity }

[GenerateSerializer, Immutable]
public sealed record CartChange(
    [property: Id(0)] CartOutcome Outcome,
    [property: Id(1)] CartView? Cart);
