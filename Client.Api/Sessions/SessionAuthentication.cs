using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansScale.Api.Hosting;
using OrleansScale.Sessions;

namespace OrleansScale.Api.Sessions;

public static class SessionAuthentication
{
    public const string Scheme = "Session";
    public const string AdminPolicy = "Admin";
    const string AdminRole = "admin";

    /// <summary>Signed-in requests are those whose token names a live session: from this process's copy of
    /// it (<see cref="SessionCopies"/>) or its grain. Only endpoints that require authorization resolve the
    /// session, so anonymous reads pay nothing for it.</summary>
    public static WebApplicationBuilder AddSessionAuthentication(this WebApplicationBuilder builder)
    {
        // No default scheme, although there is only one: the authentication middleware then runs no handler for a
        // request, and the endpoints that require authorization name the scheme in their policies. An anonymous
        // read, most of the traffic, pays for no handler. (The switch is the documented way to turn off the
        // single scheme's promotion to default; it is read when the options are first built.)
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(AdminRole));
        return builder;
    }

    /// <summary>The session the authentication handler resolved for this request.</summary>
    public static CurrentSession Current(this HttpContext http) =>
        http.Items[typeof(CurrentSession)] as CurrentSession
        ?? throw new InvalidOperationException("The endpoint reads the session but does not require authorization.");

    internal static ClaimsPrincipal Principal(SessionView session) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, session.UserId),
            new Claim(ClaimTypes.Name, session.UserName),
            .. session.IsAdmin ? [new Claim(ClaimTypes.Role, AdminRole)] : Array.Empty<Claim>(),
        ],
        Scheme));
}

/// <param name="CartJson">The cart as the API writes it, serialized once per copy; null when the grain of an
/// older silo did not send the cart.</param>
public sealed record CurrentSession(string Token, SessionView View, byte[]? CartJson);

sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    SessionCopies sessions,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = SessionToken.Read(Request);
        if (string.IsNullOrEmpty(token))
            return AuthenticateResult.NoResult();
        if (!SessionToken.IsWellFormed(token))
            return AuthenticateResult.Fail("Malformed session token.");
        var session = await sessions.Get(token);
        if (session is null)
            return AuthenticateResult.Fail("The session has expired or was signed out.");
        Context.Items[typeof(CurrentSession)] = session.Current;
        return session.Authenticated;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Write("Sign in first: no session, or the session has expired.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Write("You are signed in but not allowed to do this.");
    }

    Task Write(string title) => problems.WriteAsync(new ProblemDetailsContext
    {
        HttpContext = Context,
        ProblemDetails = new ProblemDetails { Status = Response.StatusCode, Title = title },
    }).AsTask();
}
