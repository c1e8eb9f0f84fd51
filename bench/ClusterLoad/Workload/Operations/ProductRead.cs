using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>GET /api/products/{id}, uniform over the products. Never older than acknowledged: the version
/// at least the newest a write returned before the read was sent, rating.count at least the reviews
/// known then. Products are never deleted, so a 404 is wrong.</summary>
public sealed class ProductRead(WorkloadContext context) : Operation("product-read", OperationGroup.Read)
{
    public override async Task<Outcome> ExecuteAsync(Phase phase)
    {
        var product = Random.Shared.Next(context.Products.Count);
        var id = context.Population.ProductIds[product];
        var ackedVersion = context.Products.AckedVersion(product);
        var knownReviews = context.Products.KnownReviews(product);

        var answer = await context.Api.Get("/api/products/" + id);
        if (answer.Status == 404)
            return Outcome.Wrong($"404 for an existing product: {id}");
        if (!answer.Expect(200, ApiJson.Default.ProductDocument, "product " + id, out var served, out var outcome))
            return outcome;
        if (served.Version < ackedVersion)
            return Outcome.Wrong($"stale product version: {id} served version {served.Version}, {ackedVersion} acknowledged before the read");
        if ((served.Rating?.Count ?? 0) < knownReviews)
            return Outcome.Wrong($"review count behind: {id} served rating.count {served.Rating?.Count}, {knownReviews} reviews acknowledged before the read");
        return Outcome.Ok;
    }
}
