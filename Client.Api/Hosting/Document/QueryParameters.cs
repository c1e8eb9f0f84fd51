using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>Describes the query parameters for what they mean. The handlers bind them as text so that a bad
/// value is answered with a problem that names it (a framework-bound int would answer a bare 400); the
/// document says which numbers and words they take. The ranges are those <see cref="Paging"/> and the
/// listing and activity endpoints enforce.</summary>
sealed class QueryParameters : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In != ParameterLocation.Query)
                continue;
            parameter.Schema = parameter.Name switch
            {
                "page" => Whole(1, int.MaxValue, Paging.DefaultPage),
                "pageSize" => Whole(1, Paging.MaxPageSize, Paging.DefaultPageSize),
                "limit" => Whole(1, Paging.MaxPageSize, Paging.DefaultPageSize),
                "sort" => new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [JsonValue.Create("newest"), JsonValue.Create("price"), JsonValue.Create("rating")],
                    Default = JsonValue.Create("newest"),
                },
                "category" => new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 50, Pattern = "^[a-z0-9]+(-[a-z0-9]+)*$" },
                "before" => new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 1024, Description = "The `next` of the previous page." },
                _ => parameter.Schema,
            };
        }
        return Task.CompletedTask;
    }

    static OpenApiSchema Whole(int minimum, int maximum, int @default) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Default = JsonValue.Create(@default),
    };
}
