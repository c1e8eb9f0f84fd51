using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Api;

/// <summary>Every route of the app is in the document: a new endpoint without a description fails here.</summary>
[Collection(ApiDocumentCollection.Name)]
public sealed class RouteCoverageTests(ApiDocumentFixture fixture)
{
    /// <summary>Routes that are not the API: they are operated, not programmed against, and their answers
    /// are not JSON (health text, Prometheus text, the dashboard's own app, the document and its viewer).</summary>
    static readonly string[] InfrastructurePrefixes = ["/health/", "/metrics", "/dashboard", "/openapi/", "/api/docs"];

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

    [Fact]
    public async Task Document_and_reference_are_public_and_the_dashboard_stays_closed()
    {
        using var anonymous = fixture.ApiB.Anonymous();
        var document = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Equal("application/json", document.Content.Headers.ContentType?.MediaType);
        var reference = await anonymous.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
        // The page (at /api/docs/ after a redirect) loads its script from this server, not a CDN, and resolves
        // "openapi/v1.json" against the origin and the part of the path before /api/docs/.
        Assert.Equal("/api/docs/", reference.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("\"url\":\"openapi/v1.json\"", await reference.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/docs/scalar.js")).StatusCode);
        await (await anonymous.GetAsync("/dashboard/")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void Every_operation_documents_503_with_retry_after_and_signed_in_ones_their_401()
    {
        foreach (var (path, method, operation) in fixture.Document.Operations())
        {
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty("503", out var unavailable), $"{method} {path} has no 503");
            Assert.True(unavailable.GetProperty("headers").TryGetProperty("Retry-After", out _), $"{method} {path}: 503 without Retry-After");
            Assert.True(unavailable.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path}: 503 is not a problem");
            if (operation.TryGetProperty("security", out _))
                Assert.True(responses.TryGetProperty("401", out _), $"{method} {path} needs a session but has no 401");
        }
    }

    /// <summary>The document describes the JSON options the API really uses: camelCase names, numbers that
    /// may not be sent as text (no "string" beside "integer"), decimals as exact numbers.</summary>
    [Fact]
    public void Schemas_follow_the_json_options_of_the_api()
    {
        var schemas = fixture.Document.Root.GetProperty("components").GetProperty("schemas");
        var cart = schemas.GetProperty("CartLineRequest").GetProperty("properties").GetProperty("quantity");
        Assert.Equal("integer", cart.GetProperty("type").GetString());
        var amount = schemas.GetProperty("PriceRequest").GetProperty("properties").GetProperty("amount");
        Assert.Equal("number", amount.GetProperty("type").GetString());
        Assert.Equal("decimal", amount.GetProperty("format").GetString());
        Assert.Equal(0.01m, amount.GetProperty("multipleOf").GetDecimal());
        foreach (var schema in schemas.EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("properties", out var properties))
                continue;
            foreach (var property in properties.EnumerateObject())
                Assert.True(char.IsLower(property.Name[0]), $"{schema.Name}.{property.Name} is not camelCase");
        }
        // Numbers read from text (the web default) would be typed ["integer","string"] with a pattern.
        Assert.Empty(NumbersAlsoReadFromText(fixture.Document.Root, "$"));
    }

    static IEnumerable<string> NumbersAlsoReadFromText(JsonElement element, string at)
    {
        if (element.ValueKind == JsonValueKind.Array)
            return element.EnumerateArray().SelectMany((e, i) => NumbersAlsoReadFromText(e, $"{at}[{i}]"));
        if (element.ValueKind != JsonValueKind.Object)
            return [];
        var here = element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array
                   && type.EnumerateArray().Any(t => t.GetString() is "integer" or "number")
                   && type.EnumerateArray().Any(t => t.GetString() == "string")
            ? [at]
            : Array.Empty<string>();
        return here.Concat(element.EnumerateObject().SelectMany(p => NumbersAlsoReadFromText(p.Value, $"{at}.{p.Name}")));
    }

    /// <summary>The document writes "/api/products/{id}" where the route pattern may say "/api/products/{id}/"
    /// or carry constraints.</summary>
    static string DocumentPath(string pattern)
    {
        var path = "/" + pattern.Trim('/');
        return System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:=?]+)[^}]*\}", "{$1}");
    }
}
