using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>POST /api/products/{id}/reviews by a user who has not reviewed the product (or whose earlier
/// attempt got no answer, where a 409 is then right). A 201 is acknowledged: the product's review count
/// and the activity <c>review:{id}</c> expected in the friends' feeds. A 409 for a new pair is wrong.</summary>
public sealed class Review(WorkloadContext context) : Operation("review", OperationGroup.Write)
{
    public override Task<Outcome> ExecuteAsync(Phase phase) =>
        context.Reviews.TryReserveAny(out var pair)
            ? PostAsync(context.Api, context.Clock, phase, context.Reviews, pair,
                context.Population.Users[pair.User], context.Population.ProductIds[pair.Product])
            : Task.FromResult(Outcome.KeyBusy);

    /// <summary>Posts the review of a reserved pair and settles the pair by the answer (also for the import).</summary>
    public static async Task<Outcome> PostAsync(ApiClient api, RunClock clock, Phase phase, ReviewLedger reviews,
        ReviewLedger.Reservation pair, UserAccount user, string productId)
    {
        var answer = await api.Send(HttpMethod.Post, $"/api/products/{productId}/reviews", user.Bearer,
            SampleContent.Review(pair.User, pair.Product), ApiJson.Default.ReviewBody);
        if (answer.Status == 409)
        {
            if (pair.WasAmbiguous)
            {
                reviews.Exists(pair);
                return Outcome.Ok;
            }
            reviews.Ambiguous(pair);
            return Outcome.Wrong($"409 for a first review: user {user.Id} of product {productId}");
        }
        if (!answer.Expect(201, ApiJson.Default.ReviewDocument, $"review of {productId}", out var review, out var outcome))
        {
            // A shed or failed attempt may still have taken effect (a 503 can come from a grain call that timed out).
            reviews.Ambiguous(pair);
            return outcome;
        }
        if (review.UserId != user.Id)
        {
            reviews.Ambiguous(pair);
            return Outcome.Wrong($"review by another user: sent as {user.Id}, answered {review.UserId}");
        }
        reviews.Acknowledge(pair, review, clock.Elapsed, phase);
        return Outcome.Ok;
    }
}
