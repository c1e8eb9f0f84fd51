using OrleansScale.Bench.ClusterLoad.Workload.Operations;

namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>The operations of the mixed workload by name, as the command line names them.</summary>
public static class OperationCatalog
{
    /// <summary>The operations that change state: together they make the "write rate".</summary>
    public static readonly IReadOnlyList<string> Writes = ["product-write", "review", "cart-change", "article-save"];

    /// <summary>The operations that run at fixed rates beside the writes.</summary>
    public static readonly IReadOnlyList<string> Reads = ["product-read", "feed-read", "cart-read", "article-read", "sign-in"];

    public static Operation Create(string name, WorkloadContext context) => name switch
    {
        "product-read" => new ProductRead(context),
        "product-write" => new ProductWrite(context),
        "review" => new Review(context),
        "sign-in" => new SignIn(context),
        "cart-change" => new CartChange(context),
        "cart-read" => new CartRead(context),
        "feed-read" => new FeedRead(context),
        "article-save" => new ArticleSave(context),
        "article-read" => new ArticleRead(context),
        _ => throw new ArgumentException($"unknown operation '{name}' (known: {string.Join(", ", Writes.Concat(Reads))})"),
    };
}
