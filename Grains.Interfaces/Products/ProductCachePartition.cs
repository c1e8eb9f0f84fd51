namespace OrleansScale.Products;

/// <summary>Which registry partition a product's changes are announced to. The same on every silo and API
/// process: a stable hash of the id (FNV-1a over its UTF-16 code units), not <see cref="string.GetHashCode()"/>,
/// which differs per process.</summary>
public static class ProductCachePartition
{
    public static int Of(string productId, int partitions)
    {
        var hash = 2166136261u;
        foreach (var c in productId)
            hash = (hash ^ c) * 16777619u;
        return (int)(hash % (uint)partitions);
    }
}
