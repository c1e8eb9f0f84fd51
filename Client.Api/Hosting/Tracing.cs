using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Npgsql;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansScale.Cluster;

namespace OrleansScale.Api.Hosting;

/// <summary>Distributed traces: one trace per HTTP request, through the grain calls it makes to the SQL they
/// run, exported over OTLP. Off unless an OTLP endpoint is configured (<see cref="TraceSettings"/>), and
/// then nothing is registered, so the request path costs what it cost without tracing.</summary>
public static class Tracing
{
    /// <summary>The service name of the API processes, unless <c>OTEL_SERVICE_NAME</c> gives another.</summary>
    public const string ServiceName = "orleansscale-api";

    /// <summary>The activity ASP.NET Core starts for every request it serves.</summary>
    const string RequestActivityName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    /// <summary>Records the server span of every request but the operational ones (health, metrics), the
    /// Orleans client spans of the grain calls it makes (the silos add theirs: the trace context travels in
    /// the call's request context) and the SQL of this process.</summary>
    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!TraceSettings.IsEnabled(configuration))
            return builder;

        builder.UseOrleansClient(client => client.AddActivityPropagation());
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(TraceSettings.ServiceName(configuration, ServiceName),
                serviceVersion: ProcessInfo.OfCurrentProcess(ServiceName).Version))
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperational(http.Request.Path));
                tracing.AddSource(TraceSettings.OrleansSources);
                tracing.AddNpgsql();
                tracing.ConfigureSampler((_, configured) => new RequestRootSampler(configured));
                if (TraceSettings.HasOtlpEndpoint(configuration))
                    tracing.AddOtlpExporter();
            });
        return builder;
    }

    /// <summary>The trace id a problem answer names: the W3C trace id of the request's activity, under which
    /// its spans are exported and its log lines are scoped; the connection's request id where ASP.NET Core
    /// started no activity.</summary>
    public static string TraceIdOf(HttpContext http) =>
        http.Features.Get<IHttpActivityFeature>()?.Activity is { IdFormat: ActivityIdFormat.W3C } activity
            ? activity.TraceId.ToHexString()
            : http.TraceIdentifier;

    static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    /// <summary>Starts traces only at HTTP requests, sampled by the configured sampler (<c>OTEL_TRACES_SAMPLER</c>,
    /// by default every request). Work with no request behind it — the gateway list and the queue's state
    /// read from Postgres, the near cache's lease renewals — would otherwise start a trace of its own every
    /// few seconds; it starts none. A span with a parent follows the configured sampler, which by default
    /// keeps the parent's decision.</summary>
    sealed class RequestRootSampler(Sampler configured) : Sampler
    {
        static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

        public override SamplingResult ShouldSample(in SamplingParameters parameters)
        {
            if (parameters.ParentContext.TraceId == default
                && (parameters.Kind != ActivityKind.Server || parameters.Name != RequestActivityName))
                return Dropped;
            return configured.ShouldSample(parameters);
        }
    }
}
