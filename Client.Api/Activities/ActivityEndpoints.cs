using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Activities;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Sessions;
using OrleansScale.Users;

namespace OrleansScale.Api.Activities;

/// <summary>A user's own activities (public) and feed of friends' activities (the user's only),
/// newest first, in pages of 1..100 with an opaque "before" cursor.</summary>
public static class ActivityEndpoints
{
    const int DefaultLimit = 20;
    const int MaxLimit = 100;

    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Activities");
        users.MapGet("/{id}/activities", GetActivities).WithName("GetActivities")
            .WithSummary("What the user did, newest first; pass `next` as `before` for the next page.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/{id}/feed", GetFeed).WithName("GetFeed").RequireAuthorization()
            .WithSummary("What the user's friends did, newest first. Only for the session's own user.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    // limit and before are read as text so that a bad value gets a validation problem naming the field
    // rather than the framework's bare 400.
    static async Task<Results<Ok<ActivityPage>, ProblemHttpResult, ValidationProblem>> GetActivities(
        string id, string? limit, string? before, IGrainFactory grains)
    {
        if (!TryReadPaging(limit, before, out var count, out var problem))
            return problem;
        if (!IssuedIds.IsWellFormed(id))
            return UnknownUser();
        var profile = grains.GetGrain<IUserGrain>(id).GetProfile().AsTask();
        var page = grains.GetGrain<IActivityStreamGrain>(id).Page(count, before).AsTask();
        await Task.WhenAll(profile, page);
        return profile.Result is null ? UnknownUser() : TypedResults.Ok(page.Result);
    }

    static ProblemHttpResult UnknownUser() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No user has that id.");

    static async Task<Results<Ok<ActivityPage>, ProblemHttpResult, ValidationProblem>> GetFeed(
        string id, string? limit, string? before, HttpContext http, IGrainFactory grains)
    {
        if (http.Current().View.UserId != id)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may read only your own feed.");
        if (!TryReadPaging(limit, before, out var count, out var problem))
            return problem;
        return TypedResults.Ok(await grains.GetGrain<IActivityFeedGrain>(id).Page(count, before));
    }

    static bool TryReadPaging(string? limit, string? before, out int count, out ValidationProblem problem)
    {
        var errors = new ValidationErrors();
        count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count)
                                  || count < 1 || count > MaxLimit))
            errors.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
        if (before is not null && !ActivityCursor.TryParse(before, out _, out _))
            errors.Add("before", "Not a cursor from a previous page's 'next'.");
        problem = errors.ToProblem();
        return errors.IsValid;
    }
}
