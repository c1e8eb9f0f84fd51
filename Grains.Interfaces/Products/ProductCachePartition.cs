using OrleansScale.Caching;

namespace OrleansScale.Products;

/// <summary>Which registry partition a product's changes are announced to (<see cref="CopyPartition"/>).</summary>
public static class ProductCachePartition
{
    public static int Of(string productId, int partitions) => CopyPartition.Of(productId, partitions);
}
