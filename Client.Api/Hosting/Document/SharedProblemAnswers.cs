using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansScale.Api.Hosting.Document;

/// <summary>The problem answers that come from the pipeline rather than from a handler, so no endpoint's
/// metadata states them: 503 from any route that calls the cluster, and 400/413/415 from any route that
/// reads a JSON body (malformed JSON or a wrong type is refused before the handler runs).</summary>
sealed class SharedProblemAnswers : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ProblemAnswers.EnsureSchema(document);
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Responses ??= new OpenApiResponses();
        var document = context.Document;
        if (context.Description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body))
        {
            operation.Responses.TryAdd("400", ProblemAnswers.Response(document,
                "The body is malformed JSON, has a value of the wrong type, or breaks a rule; `errors` names each field."));
            operation.Responses.TryAdd("413", ProblemAnswers.Response(document, "The body is larger than the limit (256 KiB by default)."));
            operation.Responses.TryAdd("415", ProblemAnswers.Response(document, "The body is not `application/json`."));
        }
        operation.Responses.TryAdd("503", ProblemAnswers.Response(document,
            "The cluster could not serve the request now (a silo failed, the database is unreachable, a call timed "
            + "out), or a write was shed because the server or the background queue is overloaded; nothing was "
            + "changed by a shed write. Try again after `Retry-After` seconds.",
            ("Retry-After", "Seconds to wait before trying again.")));
        return Task.CompletedTask;
    }
}
