using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Users;

namespace OrleansScale.Api.Users;

public static partial class UserEndpoints
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users");
        users.MapPost("/", Register).WithName("RegisterUser")
            .WithSummary("Registers a user; the name is unique without regard to case.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithResponseHeader(StatusCodes.Status201Created, "Location", "/api/users/{id}");
        return app;
    }

    const string UserNameRule = "^[A-Za-z0-9._-]+$";

    // The attributes describe the rules for the OpenAPI document; Register enforces them.
    public sealed record RegisterUserRequest(
        [property: Required, StringLength(UserLimits.MaxUserNameLength, MinimumLength = 3), RegularExpression(UserNameRule)] string? UserName,
        [property: Required, StringLength(UserLimits.MaxDisplayNameLength, MinimumLength = 1)] string? DisplayName,
        [property: Required, StringLength(UserLimits.MaxPasswordLength, MinimumLength = 8)] string? Password);

    public sealed record UserView(string Id, string UserName, string DisplayName);

    static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterUserRequest request, IGrainFactory grains)
    {
        var errors = new ValidationErrors()
            .RequireLength("userName", request.UserName, 3, UserLimits.MaxUserNameLength)
            .RequireLength("displayName", request.DisplayName?.Trim(), 1, UserLimits.MaxDisplayNameLength)
            .RequireLength("password", request.Password, 8, UserLimits.MaxPasswordLength);
        if (request.UserName is { } name && !UserNamePattern().IsMatch(name))
            errors.Add("userName", "Use letters, digits, '.', '_' or '-' only.");
        if (!errors.IsValid)
            return errors.ToProblem();

        var registration = await grains.For(request.UserName!)
            .Register(new NewUser(request.UserName!, request.DisplayName!.Trim(), request.Password!));
        if (registration.Outcome == RegistrationOutcome.NameTaken)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "That user name is taken.");
        var user = registration.User!;
        return TypedResults.Created($"/api/users/{user.Id}", new UserView(user.Id, user.UserName, user.DisplayName));
    }

    [GeneratedRegex(UserNameRule)]
    private static partial Regex UserNamePattern();
}
