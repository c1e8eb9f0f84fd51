using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>Makes a request body's schema say what the handler accepts. The request records declare every
/// field nullable so that the handler, not the deserializer, finds a missing one and names it; the generator
/// would therefore call every field required and every field nullable. Here a field marked
/// <see cref="RequiredAttribute"/> is required and not nullable, and any other field is optional.</summary>
sealed class RequestSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property)
        {
            // A field: required ones are not nullable.
            if (IsRequestBody(property.DeclaringType) && IsRequired(property) && schema.Type is { } types)
                schema.Type = types & ~JsonSchemaType.Null;
        }
        else if (IsRequestBody(context.JsonTypeInfo.Type) && schema.Properties is not null)
        {
            // The body: only the required fields are listed as required.
            schema.Required = context.JsonTypeInfo.Properties.Where(IsRequired).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        }
        return Task.CompletedTask;
    }

    /// <summary>The records this API reads from bodies are named for it: ProductRequest, PriceRequest, ….</summary>
    static bool IsRequestBody(Type type) =>
        type.Namespace?.StartsWith("OrleansScale.Api", StringComparison.Ordinal) == true && type.Name.EndsWith("Request", StringComparison.Ordinal);

    static bool IsRequired(JsonPropertyInfo property) =>
        property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true;
}
