using System.Text.Json;

namespace OrleansScale.Tests.Api;

/// <summary>Collects how real answers differ from what the document says of them: a status the operation
/// does not declare, a media type it does not declare, or a body that breaks the declared schema. The test
/// reports every difference at once.</summary>
public sealed class AnswerChecks(OpenApiDocumentView document)
{
    readonly SchemaChecker schemas = new(document);
    readonly List<string> failures = [];
    public int Checked { get; private set; }

    public IReadOnlyList<string> Failures => failures;

    public async Task<JsonElement?> Check(string method, string template, HttpResponseMessage response)
    {
        Checked++;
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{method} {template} → {status}";
        var responses = document.Operation(method, template).GetProperty("responses");
        if (!responses.TryGetProperty(status.ToString(), out var declared))
        {
            failures.Add($"{where}: status not in the document ({Short(text)})");
            return null;
        }
        if (text.Length == 0)
        {
            if (declared.TryGetProperty("content", out _))
                failures.Add($"{where}: empty body, the document declares content");
            return null;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (!declared.TryGetProperty("content", out var content) || !content.TryGetProperty(mediaType, out var media))
        {
            failures.Add($"{where}: media type {mediaType} not in the document");
            return null;
        }
        if (!mediaType.Contains("json", StringComparison.Ordinal))
            return null;
        var body = JsonDocument.Parse(text).RootElement.Clone();
        if (media.TryGetProperty("schema", out var schema))
            failures.AddRange(schemas.Check(body, schema).Select(e => $"{where}: {e}"));
        return body;
    }

    static string Short(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
