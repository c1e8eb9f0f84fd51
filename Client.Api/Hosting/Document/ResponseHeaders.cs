using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>A header an endpoint sets on one of its answers (ETag, Location, X-Cache, …), for the document.</summary>
public sealed record ResponseHeaderMetadata(int Status, string Name, string Description);

public static class ResponseHeaderExtensions
{
    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder route, int status, string name, string description) =>
        route.WithMetadata(new ResponseHeaderMetadata(status, name, description));
}

/// <summary>Adds the headers declared with <see cref="ResponseHeaderExtensions.WithResponseHeader"/> to the answers
/// they belong to.</summary>
sealed class ResponseHeaders : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var header in context.Description.ActionDescriptor.EndpointMetadata.OfType<ResponseHeaderMetadata>())
        {
            if (operation.Responses?.TryGetValue(header.Status.ToString(), out var answer) != true || answer is not OpenApiResponse response)
                continue;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[header.Name] = new OpenApiHeader
            {
                Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
        return Task.CompletedTask;
    }
}
