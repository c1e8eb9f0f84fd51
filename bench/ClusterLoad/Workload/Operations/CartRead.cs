using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>GET /api/sessions/current/cart of a setup session with no change in flight: it must equal the
/// model (every acknowledged change, and nothing else).</summary>
public sealed class CartRead(WorkloadContext context) : Operation("cart-read", OperationGroup.Read)
{
    public override Task<Outcome> ExecuteAsync(Phase phase) => context.Carts.Sessions.WithAnyAsync(async session =>
    {
        var answer = await context.Api.Get("/api/sessions/current/cart", context.Population.Users[session].Bearer);
        return answer.Expect(200, ApiJson.Default.CartDocument, "cart", out var served, out var outcome)
            ? context.Carts[session].Verify(served, "read")
            : outcome;
    });
}
