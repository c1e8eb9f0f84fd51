using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrleansScale.Api.Sessions;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>How to sign in, and which operations need it. A session token from <c>POST /api/sessions</c> is
/// sent either as <c>Authorization: Bearer &lt;token&gt;</c> or as the <c>sid</c> cookie the same call sets;
/// either one is enough, so each signed-in operation lists them as alternatives. Which operations need a
/// session is read from the endpoints' own authorization metadata, so the document cannot claim a route is
/// open when it is not.</summary>
sealed class SessionSecurity : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string BearerScheme = "sessionBearer";
    public const string CookieScheme = "sessionCookie";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The `sessionId` answered by POST /api/sessions (43 characters, base64url).",
        };
        document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = SessionToken.CookieName,
            Description = "The same token in the HttpOnly cookie that POST /api/sessions sets.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0 || metadata.OfType<IAllowAnonymous>().Any())
            return Task.CompletedTask;

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] });
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", ProblemAnswers.Response(context.Document,
            "No session, or the session has expired or was signed out.", ("WWW-Authenticate", "Always `Bearer`.")));
        if (authorize.Any(a => a.Policy == SessionAuthentication.AdminPolicy))
        {
            operation.Description = (operation.Description is null ? "" : operation.Description + "\n\n") + "Administrators only.";
            operation.Responses.TryAdd("403", ProblemAnswers.Response(context.Document, "Signed in, but not as an administrator."));
        }
        return Task.CompletedTask;
    }
}
