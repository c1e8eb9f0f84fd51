using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>Builds problem answers (<c>application/problem+json</c>) for the transformers, all pointing at
/// one <c>ProblemDetails</c> schema in the document's components.</summary>
static class ProblemAnswers
{
    public const string MediaType = "application/problem+json";
    const string SchemaId = "ProblemDetails";

    public static OpenApiResponse Response(OpenApiDocument? document, string description, params (string Name, string Description)[] headers)
    {
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [MediaType] = new() { Schema = new OpenApiSchemaReference(SchemaId, document) },
            },
        };
        if (headers.Length > 0)
        {
            response.Headers = headers.ToDictionary(h => h.Name, IOpenApiHeader (h) => new OpenApiHeader
            {
                Description = h.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
        return response;
    }

    /// <summary>Makes sure the schema the problem answers point at exists, whether or not an endpoint's
    /// own metadata already brought it in.</summary>
    public static void EnsureSchema(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (document.Components.Schemas.ContainsKey(SchemaId))
            return;
        IOpenApiSchema Text() => new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null };
        document.Components.Schemas[SchemaId] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = Text(),
                ["title"] = Text(),
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
                ["detail"] = Text(),
                ["instance"] = Text(),
            },
        };
    }
}
