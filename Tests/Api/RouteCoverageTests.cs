using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansScale.Tests.Api;

/// <summary>Every route of the app is in the document: a new endpoint without a description fails here.</summary>
[Collection(ApiDocumentCollection.Name)]
public sealed class RouteCoverageTests(ApiDocumentFixture fixture)
{
    /// <summary>Routes that are not the API: they are operated, not programmed against, and their answers
    /// are not JSON (health text, Prometheus text, the dashboard's own app, the document and its viewer).</summary>
    static readonly string[] InfrastructurePrefixes = ["/health/", "/metrics", "/dashboard", "/openapi/", "/api/docs", "/scalar"];

    [Fact]
    public void Every_route_and_method_of_the_app_is_described_in_the_document()
    {
        var described = fixture.Document.Operations().Select(o => $"{o.Method} {o.Path}").ToHashSet(StringComparer.Ordinal);
        var routes = fixture.ApiA.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(method => (Method: method, Path: DocumentPath(endpoint.RoutePattern.RawText!))))
            .Where(route => !InfrastructurePrefixes.Any(prefix => ("/" + route.Path.TrimStart('/')).StartsWith(prefix, StringComparison.Ordinal)))
            .Distinct()
            .ToList();

        Assert.True(routes.Count >= 25, $"only {routes.Count} routes found: the route table was not read");
        var missing = routes.Where(r => !described.Contains($"{r.Method} {r.Path}")).Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.True(missing.Count == 0, "not in /openapi/v1.json: " + string.Join(", ", missing));
    }

    /// <summary>The document writes "/api/products/{id}" where the route pattern may say "/api/products/{id}/"
    /// or carry constraints.</summary>
    static string DocumentPath(string pattern)
    {
        var path = "/" + pattern.Trim('/');
        return System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:=?]+)[^}]*\}", "{$1}");
    }
}
