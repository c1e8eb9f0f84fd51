using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>POST /api/sessions for a known user, then GET /api/sessions/current with the new token: the
/// session must be that user's. Latency covers both requests.</summary>
public sealed class SignIn(WorkloadContext context) : Operation("sign-in", OperationGroup.SignIn)
{
    public override async Task<Outcome> ExecuteAsync(Phase phase)
    {
        var user = context.Population.Users[Random.Shared.Next(context.Population.Users.Length)];
        var answer = await context.Api.Send(HttpMethod.Post, "/api/sessions", null,
            new SignInBody(user.UserName, user.Password), ApiJson.Default.SignInBody);
        if (!answer.Expect(201, ApiJson.Default.SessionCreatedDocument, "sign-in of " + user.UserName, out var created, out var outcome))
            return outcome;
        if (created.UserId != user.Id)
            return Outcome.Wrong($"session for another user: signed in {user.Id}, answered {created.UserId}");

        var current = await context.Api.Get("/api/sessions/current", "Bearer " + created.SessionId);
        if (!current.Expect(200, ApiJson.Default.SessionDocument, "the new session of " + user.UserName, out var session, out outcome))
            return outcome;
        if (session.UserId != user.Id || session.UserName != user.UserName)
            return Outcome.Wrong($"new session names another user: expected {user.UserName} ({user.Id}), got {session.UserName} ({session.UserId})");
        return Outcome.Ok;
    }
}
