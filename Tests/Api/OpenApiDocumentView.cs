using System.Text.Json;

namespace OrleansScale.Tests.Api;

/// <summary>The served OpenAPI document, read as plain JSON (the tests check the JSON clients see, not the
/// object model that produced it), with <c>$ref</c>s resolved on request.</summary>
public sealed class OpenApiDocumentView(JsonElement root)
{
    public JsonElement Root => root;

    public IEnumerable<(string Path, string Method, JsonElement Operation)> Operations()
    {
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject())
        {
            if (operation.Name is "get" or "put" or "post" or "delete" or "patch" or "head")
                yield return (path.Name, operation.Name.ToUpperInvariant(), operation.Value);
        }
    }

    public JsonElement Operation(string method, string path) =>
        root.GetProperty("paths").GetProperty(path).GetProperty(method.ToLowerInvariant());

    /// <summary>The schema itself when it is a <c>$ref</c> to the components; else the schema as it is.</summary>
    public JsonElement Resolve(JsonElement schema)
    {
        while (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!;
            const string prefix = "#/components/schemas/";
            Assert.StartsWith(prefix, name);
            schema = root.GetProperty("components").GetProperty("schemas").GetProperty(name[prefix.Length..]);
        }
        return schema;
    }

    /// <summary>The JSON schema of an operation's answer with this status, or null when it has no JSON body.</summary>
    public JsonElement? ResponseSchema(string method, string path, int status)
    {
        var responses = Operation(method, path).GetProperty("responses");
        if (!responses.TryGetProperty(status.ToString(), out var response) || !response.TryGetProperty("content", out var content))
            return null;
        foreach (var media in content.EnumerateObject())
        {
            if (media.Name.Contains("json") && media.Value.TryGetProperty("schema", out var schema))
                return schema;
        }
        return null;
    }

    public JsonElement? RequestSchema(string method, string path) =>
        Operation(method, path).TryGetProperty("requestBody", out var body)
            ? body.GetProperty("content").GetProperty("application/json").GetProperty("schema")
            : null;
}
