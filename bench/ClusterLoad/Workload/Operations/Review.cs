using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>POST /api/products/{id}/reviews by a user who has not reviewed the product (or whose earlier
/// attempt got no answer, where a 409 is then right). A 201 is acknowledged: the product's review count
/// and the activity <c>review:{id}</c> expected in the friends' feeds. A 409 for a new pair is wrong.</summary>
public sealed class Review(WorkloadContext context) : Operation("review", OperationGroup.Write)
{
    public override async Task<Outcome> ExecuteAsync(Phase phase)
    {
        if (!context.Reviews.TryReserveAny(out var pair))
            return Outcome.KeyBusy;
        var user = context.Population.Users[pair.User];
        var productId = context.Population.ProductIds[pair.Product];

        var answer = await context.Api.Send(HttpMethod.Post, $"/api/products/{productId}/reviews", user.Bearer,
            SampleContent.Review(pair.User, pair.Product), ApiJson.Default.ReviewBody);
        if (answer.Status == 409)
        {
            if (pair.WasAmbiguous)
            {
                context.Reviews.Exists(pair);
                return Outcome.Ok;
            }
            context.Reviews.Ambiguous(pair);
            return Outcome.Wrong($"409 for a first review: user {user.Id} of product {productId}");
        }
        if (!answer.Expect(201, ApiJson.Default.ReviewDocument, $"review of {productId}", out var review, out var outcome))
        {
            // A shed or failed attempt may still have taken effect (a 503 can come from a grain call that timed out).
            context.Reviews.Ambiguous(pair);
            return outcome;
        }
        if (review.UserId != user.Id)
        {
            context.Reviews.Ambiguous(pair);
            return Outcome.Wrong($"review by another user: sent as {user.Id}, answered {review.UserId}");
        }
        context.Reviews.Acknowledge(pair, review, context.Clock.Elapsed, phase);
        return Outcome.Ok;
    }
}
