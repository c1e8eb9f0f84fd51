using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Api.Sessions;
using OrleansScale.Users;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Users;

/// <summary>Profiles with friend counts, and friendships. Relations are joined here in code, from the
/// friends grain's ids and each friend's profile grain, never in SQL.</summary>
public static class FriendEndpoints
{
    public static IEndpointRouteBuilder MapFriendsApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Friends");
        users.MapGet("/{id}", GetUser).WithName("GetUser").WithSummary("A user's profile and friend count.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/{id}/friends", GetFriends).WithName("GetFriends").WithSummary("A user's friends.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPut("/{id}/friends/{friendId}", Befriend).WithName("Befriend").RequireAuthorization().CreatesBackgroundWork()
            .WithSummary("Befriends another user; the friendship is mutual. Only for the session's own user.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        users.MapDelete("/{id}/friends/{friendId}", Unfriend).WithName("Unfriend").RequireAuthorization().CreatesBackgroundWork()
            .WithSummary("Ends a friendship, for both. Only for the session's own user.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public sealed record UserWithFriendCount(string Id, string UserName, string DisplayName, int FriendCount);

    public sealed record FriendList(IReadOnlyList<UserEndpoints.UserView> Items);

    static async Task<Results<Ok<UserWithFriendCount>, ProblemHttpResult>> GetUser(string id, IGrainFactory grains)
    {
        if (!IssuedIds.IsWellFormed(id))
            return UnknownUser();
        var profile = grains.GetGrain<IUserGrain>(id).GetProfile().AsTask();
        var count = grains.GetGrain<IFriendsGrain>(id).Count().AsTask();
        await Task.WhenAll(profile, count);
        return profile.Result is { } user
            ? TypedResults.Ok(new UserWithFriendCount(user.Id, user.UserName, user.DisplayName, count.Result))
            : UnknownUser();
    }

    static async Task<Results<Ok<FriendList>, ProblemHttpResult>> GetFriends(string id, IGrainFactory grains)
    {
        if (!IssuedIds.IsWellFormed(id))
            return UnknownUser();
        var owner = grains.GetGrain<IUserGrain>(id).GetProfile().AsTask();
        var ids = grains.GetGrain<IFriendsGrain>(id).FriendIds().AsTask();
        await Task.WhenAll(owner, ids);
        if (owner.Result is null)
            return UnknownUser();
        var profiles = await Task.WhenAll(ids.Result.Select(f => grains.GetGrain<IUserGrain>(f).GetProfile().AsTask()));
        return TypedResults.Ok(new FriendList([.. profiles.OfType<UserProfile>()
            .Select(p => new UserEndpoints.UserView(p.Id, p.UserName, p.DisplayName))]));
    }

    static Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Befriend(
        string id, string friendId, HttpContext http, IGrainFactory grains) =>
        Change(id, friendId, http, f => grains.GetGrain<IFriendsGrain>(id).Befriend(f));

    static Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Unfriend(
        string id, string friendId, HttpContext http, IGrainFactory grains) =>
        Change(id, friendId, http, f => grains.GetGrain<IFriendsGrain>(id).Unfriend(f));

    static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Change(
        string id, string friendId, HttpContext http, Func<string, Task<FriendshipOutcome>> change)
    {
        if (http.Current().View.UserId != id)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "You may change only your own friends.");
        if (!IssuedIds.IsWellFormed(friendId))
            return UnknownUser();
        return await change(friendId) switch
        {
            FriendshipOutcome.Done => TypedResults.NoContent(),
            FriendshipOutcome.Self => new ValidationErrors().Add("friendId", "You cannot be your own friend.").ToProblem(),
            FriendshipOutcome.UnknownUser => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                title: "No user has that id."),
            FriendshipOutcome.TooManyFriends => TooMany("You already have"),
            FriendshipOutcome.FriendHasTooManyFriends => TooMany("That user already has"),
            var other => throw new InvalidOperationException($"Unexpected friendship outcome {other}."),
        };
    }

    static ProblemHttpResult TooMany(string who) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
        title: $"{who} the maximum number of friends.",
        detail: "A user may have at most 5,000 friends (Friends:MaxFriends); remove a friend first.");

    static ProblemHttpResult UnknownUser() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No user has that id.");
}
