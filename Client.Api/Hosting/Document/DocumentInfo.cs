using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>The document's title and the rules every route shares, which the per-route metadata does not say.</summary>
sealed class DocumentInfo : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "OrleansScale HTTP API",
            Version = "1",
            Description = """
                The public contract of Client.Api (docs/API.md). JSON bodies are camelCase UTF-8; types are strict
                (`"2"` is not a number) and unknown properties are ignored. A decimal is taken only when it is exact
                (at most 28 significant digits and 28 places after the point). Text must be storable: no U+0000 and
                no unpaired UTF-16 surrogate. Every error is `application/problem+json` (RFC 9457); a 400 names the
                offending fields in `errors`, keyed by the JSON path of the field. A body that is not
                `application/json` is 415, one over the limit (256 KiB by default) is 413. 503 comes with
                `Retry-After` and means nothing was changed or the cluster could not answer; its problem `type` tells
                load shedding (`urn:orleansscale:problem:*`) from a failed call.
                """,
        };
        return Task.CompletedTask;
    }
}
