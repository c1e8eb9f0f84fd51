using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>PUT /api/products/{id} as the administrator, on a product with no other write in flight. The
/// answer must carry a version above the previous acknowledged one and the name just sent; its version
/// is then acknowledged. No If-Match: a write whose answer was lost would make every later one a 412.</summary>
public sealed class ProductWrite(WorkloadContext context) : Operation("product-write", OperationGroup.Write)
{
    public override Task<Outcome> ExecuteAsync(Phase phase) => context.Products.Writers.WithAnyAsync(async product =>
    {
        var id = context.Population.ProductIds[product];
        var previous = context.Products.AckedVersion(product);
        var body = SampleContent.Product(context.Population.RunTag, product, context.Products.NextWriteNumber(product));

        var answer = await context.Api.Send(HttpMethod.Put, "/api/products/" + id, context.Population.AdminBearer, body, ApiJson.Default.ProductBody);
        if (answer.Status == 404)
            return Outcome.Wrong($"404 for an existing product: {id} (write)");
        if (!answer.Expect(200, ApiJson.Default.ProductDocument, "product write " + id, out var written, out var outcome))
            return outcome;
        context.Products.AcknowledgeVersion(product, written.Version);
        if (written.Version <= previous)
            return Outcome.Wrong($"write did not advance the version: {id} answered version {written.Version}, {previous} acknowledged before");
        if (written.Name != body.Name)
            return Outcome.Wrong($"write answered another name: {id} sent \"{body.Name}\", answered \"{written.Name}\"");
        return Outcome.Ok;
    });
}
