using OrleansScale.Api.Hosting.Document;
using Scalar.AspNetCore;

namespace OrleansScale.Api.Hosting;

/// <summary>The OpenAPI document of the HTTP API at <see cref="DocumentPath"/> and an interactive
/// reference at <see cref="ReferencePath"/>. The document is generated from the route table and the
/// endpoints' metadata with the same JSON options the API reads and writes with; the transformers add
/// what the metadata cannot say (how to sign in, the problem answers every route shares, paging).</summary>
public static class ApiDocument
{
    public const string Name = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";

    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(Name, options =>
        {
            options.AddDocumentTransformer<DocumentInfo>();
            options.AddDocumentTransformer<SessionSecurity>();
            options.AddOperationTransformer<SessionSecurity>();
            options.AddDocumentTransformer<SharedProblemAnswers>();
            options.AddOperationTransformer<SharedProblemAnswers>();
            options.AddOperationTransformer<QueryParameters>();
            options.AddOperationTransformer<ResponseHeaders>();
            options.AddSchemaTransformer<ExactDecimalSchema>(); // before RequestSchemas, which may take its null away
            options.AddSchemaTransformer<RequestSchemas>();
        });
        return builder;
    }

    /// <summary>Both are public, like the contract they describe; neither touches the cluster.</summary>
    public static WebApplication MapApiDocument(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("OrleansScale API")
                .AddPreferredSecuritySchemes([SessionSecurity.BearerScheme]))
            .AllowAnonymous();
        return app;
    }
}
