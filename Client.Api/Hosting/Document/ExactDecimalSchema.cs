using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>How many places after the point a decimal field takes; the document states it as multipleOf.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DecimalPlacesAttribute(int places) : Attribute
{
    public int Places => places;
}

/// <summary>Decimals are read by <see cref="ExactDecimalConverter"/>, which the generator cannot see into: it
/// wrote no type and "double". A decimal is a JSON number, taken only when a decimal holds it exactly.</summary>
sealed class ExactDecimalSchema : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type != typeof(decimal) && type != typeof(decimal?))
            return Task.CompletedTask;
        schema.Type = type == typeof(decimal) ? JsonSchemaType.Number : JsonSchemaType.Number | JsonSchemaType.Null;
        schema.Format = "decimal";
        schema.Description = "An exact decimal: at most 28 significant digits and no nonzero digit more than 28 places after the point.";
        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(DecimalPlacesAttribute), inherit: true)
            is [DecimalPlacesAttribute places, ..])
            schema.MultipleOf = 1m / (decimal)Math.Pow(10, places.Places);
        return Task.CompletedTask;
    }
}
