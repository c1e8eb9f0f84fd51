using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>Sets a line of a setup session's cart (PUT …/cart/{productId} with a new quantity; one time in
/// four, when the line is there, DELETE it instead), one change in flight per session. The cart in the
/// answer must equal the model with the change applied.</summary>
public sealed class CartChange(WorkloadContext context) : Operation("cart-change", OperationGroup.Write)
{
    public override Task<Outcome> ExecuteAsync(Phase phase) => context.Carts.Sessions.WithAnyAsync(async session =>
    {
        var cart = context.Carts[session];
        var usable = Array.FindAll(cart.ProductPool, p => !cart.IsUnknown(p));
        if (usable.Length == 0)
            return Outcome.KeyBusy; // every line of this cart had a change without an answer
        var productId = usable[Random.Shared.Next(usable.Length)];
        var remove = cart.Lines.ContainsKey(productId) && Random.Shared.Next(4) == 0;
        var quantity = remove ? 0 : Random.Shared.Next(1, 1000);
        var path = "/api/sessions/current/cart/" + productId;
        var bearer = context.Population.Users[session].Bearer;

        var answer = remove
            ? await context.Api.Delete(path, bearer)
            : await context.Api.Send(HttpMethod.Put, path, bearer, new CartLineBody(quantity), ApiJson.Default.CartLineBody);
        if (!answer.Expect(200, ApiJson.Default.CartDocument, $"cart line {productId}", out var served, out var outcome))
        {
            cart.MarkUnknown(productId);
            return outcome;
        }
        cart.Set(productId, quantity);
        return cart.Verify(served, remove ? $"after removing {productId}" : $"after setting {productId} to {quantity}");
    });
}
