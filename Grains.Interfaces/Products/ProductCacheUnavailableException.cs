namespace OrleansScale.Products;

/// <summary>A product change was refused because the API processes' product caches could not all be told of
/// it in time (a registry partition whose silo just died, or an overloaded cluster). Nothing was changed:
/// the announcement goes out before the write. The API answers 503 with Retry-After.</summary>
[GenerateSerializer]
public sealed class ProductCacheUnavailableException : Exception
{
    public ProductCacheUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
