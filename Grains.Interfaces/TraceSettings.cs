using Microsoft.Extensions.Configuration;
using Orleans.Diagnostics;

namespace OrleansScale;

/// <summary>What the API and the silos agree on about tracing: when it is on and which Orleans spans a trace
/// holds. Each host adds its own tracer (the API's starts traces at HTTP requests; a silo's only continues
/// them).</summary>
public static class TraceSettings
{
    /// <summary>Switches tracing on or off regardless of the OTLP endpoint; true without an endpoint records
    /// spans for an exporter added in code (the tests' in-memory one) and sends them nowhere.</summary>
    public const string EnabledKey = "Tracing:Enabled";

    /// <summary>Whether spans are exported over OTLP: the standard OpenTelemetry variables, read from
    /// configuration (and so from the environment).</summary>
    public static bool HasOtlpEndpoint(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    /// <summary>On when an OTLP endpoint is set, unless <see cref="EnabledKey"/> says otherwise. Off, a host
    /// registers nothing for tracing: no listener, no grain call filter.</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue(EnabledKey, HasOtlpEndpoint(configuration));

    /// <summary><c>OTEL_SERVICE_NAME</c> when it is set, else the host's own name.</summary>
    public static string ServiceName(IConfiguration configuration, string ownName) =>
        configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : ownName;

    /// <summary>Every Orleans source but durable jobs, which this project does not use: grain calls, activations,
    /// and grain storage reads and writes. Orleans files a call under its runtime source when the interface's
    /// namespace starts with "Orleans", and "OrleansScale" does: our grain calls are there, not under the
    /// application source.</summary>
    public static readonly string[] OrleansSources =
    [
        ActivitySources.ApplicationGrainActivitySourceName,
        ActivitySources.RuntimeActivitySourceName,
        ActivitySources.LifecycleActivitySourceName,
        ActivitySources.StorageActivitySourceName,
    ];
}
