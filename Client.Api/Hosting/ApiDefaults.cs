using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace OrleansScale.Api.Hosting;

public static class ApiDefaults
{
    /// <summary>Answers while the process serves HTTP at all: the liveness probe (deploy/kubernetes/api.yaml).</summary>
    public const string LivePath = "/health/live";

    /// <summary>Answers healthy only while this process reaches the cluster and Postgres: the readiness probe.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>Problem details for every error, strict JSON, the body limit, health checks and metrics.</summary>
    public static WebApplicationBuilder AddApiDefaults(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var bodyLimit = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.MaxRequestBodyBytes
            ?? new ApiOptions().MaxRequestBodyBytes;
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = bodyLimit;
            o.AddServerHeader = false;
        });

        services.ConfigureHttpJsonOptions(o =>
        {
            // The web defaults read numbers from strings; the contract says "2" is not a quantity.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            o.SerializerOptions.Converters.Add(new ExactDecimalConverter());
        });
        // Bad bodies throw, so the exception handler can name the offending field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        // Every problem names the request's trace, so a client's report leads to its spans and log lines.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = problem =>
            problem.ProblemDetails.Extensions["traceId"] = Tracing.TraceIdOf(problem.HttpContext));
        services.AddExceptionHandler<ApiExceptionHandler>();

        services.AddHealthChecks()
            .AddCheck<ClusterConnectionHealthCheck>("orleans", tags: ["ready"])
            .AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
                "Microsoft.Orleans", "Npgsql", "System.Runtime")
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>The middleware every request passes first (problem answers, the body limit), and the
    /// operational endpoints. Authentication comes after it, and after what must run before a session is
    /// looked up (Program.cs).</summary>
    public static WebApplication UseApiDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>(app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes);

        app.MapHealthChecks(LivePath, new() { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
