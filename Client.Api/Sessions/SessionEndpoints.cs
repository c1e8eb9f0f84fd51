using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Sessions;
using OrleansScale.Users;

namespace OrleansScale.Api.Sessions;

public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions").WithTags("Sessions");
        sessions.MapPost("/", SignIn).WithName("SignIn")
            .WithSummary("Signs in: answers the session token and sets it as the sid cookie.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithResponseHeader(StatusCodes.Status201Created, "Set-Cookie", "sid=<token>; path=/; samesite=lax; httponly (secure over https)")
            .WithResponseHeader(StatusCodes.Status429TooManyRequests, "Retry-After", "Seconds until this user name may try again.");
        var current = sessions.MapGroup("/current").RequireAuthorization();
        current.MapGet("/", GetCurrent).WithName("GetCurrentSession").WithSummary("The signed-in user, the session's expiry and its cart.");
        current.MapDelete("/", SignOut).WithName("SignOut").WithSummary("Signs out: the token is dead everywhere at once.");
        current.MapCart();
        return app;
    }

    const int MaxCredentialLength = 200;

    // The attributes describe the rules for the OpenAPI document; SignIn enforces them.
    public sealed record SignInRequest(
        [property: Required, StringLength(MaxCredentialLength, MinimumLength = 1)] string? UserName,
        [property: Required, StringLength(MaxCredentialLength, MinimumLength = 1)] string? Password);

    public sealed record SessionCreated(string SessionId, string UserId, DateTimeOffset ExpiresAt);

    public sealed record SessionDetails(string UserId, string UserName, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, CartView Cart);

    static async Task<Results<Created<SessionCreated>, ValidationProblem, ProblemHttpResult>> SignIn(
        SignInRequest request, IGrainFactory grains, HttpContext http)
    {
        var errors = new ValidationErrors()
            .RequireLength("userName", request.UserName, 1, MaxCredentialLength)
            .RequireLength("password", request.Password, 1, MaxCredentialLength);
        if (!errors.IsValid)
            return errors.ToProblem();

        var result = await grains.For(request.UserName!).SignIn(request.Password!);
        switch (result.Outcome)
        {
            case SignInOutcome.TooManyAttempts:
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds)).ToString();
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many failed sign-ins for this user name. Try again later.");
            case SignInOutcome.InvalidCredentials:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unknown user name or wrong password.");
        }

        var user = result.User!;
        var token = SessionToken.New();
        var session = await grains.GetGrain<ISessionGrain>(token).Open(new SessionUser(user.Id, user.UserName, user.IsAdmin));
        http.Response.Cookies.Append(SessionToken.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            Secure = http.Request.IsHttps,
        });
        return TypedResults.Created("/api/sessions/current", new SessionCreated(token, user.Id, session.ExpiresAt));
    }

    static async Task<Ok<SessionDetails>> GetCurrent(HttpContext http, IGrainFactory grains)
    {
        var (token, session, _) = http.Current();
        var cart = session.Cart ?? await grains.GetGrain<ISessionGrain>(token).GetCart() ?? new CartView([]);
        return TypedResults.Ok(new SessionDetails(session.UserId, session.UserName, session.CreatedAt, session.ExpiresAt, cart));
    }

    static async Task<NoContent> SignOut(HttpContext http, IGrainFactory grains)
    {
        await grains.GetGrain<ISessionGrain>(http.Current().Token).Close();
        http.Response.Cookies.Delete(SessionToken.CookieName, new CookieOptions { Path = "/" });
        return TypedResults.NoContent();
    }
}
