using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Api;

/// <summary>One cluster for every test of the OpenAPI document, and the document as the API serves it,
/// read once.</summary>
public sealed class ApiDocumentFixture : ClusterFixture
{
    public OpenApiDocumentView Document { get; private set; } = null!;

    // Its route tests check that the dashboard stays closed to anonymous callers.
    protected override bool Dashboard => true;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var http = ApiA.Anonymous();
        var response = await http.GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        Document = new OpenApiDocumentView(JsonDocument.Parse(text).RootElement.Clone());
    }
}

[CollectionDefinition(Name)]
public sealed class ApiDocumentCollection : ICollectionFixture<ApiDocumentFixture>
{
    public const string Name = "ApiDocument";
}
