using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using OrleansScale.Cluster;

namespace OrleansScale.Silo.Hosting;

/// <summary>A silo's part of a trace: the server spans of the grain calls it takes, the client spans of the
/// calls its grains make, activations, grain storage and the SQL under them, exported over OTLP. Off unless
/// an OTLP endpoint is configured (<see cref="TraceSettings"/>), and then nothing is registered.</summary>
public static class SiloTracing
{
    /// <summary>The service name of every silo, unless <c>OTEL_SERVICE_NAME</c> gives another; the silo's name
    /// is its <c>service.instance.id</c>.</summary>
    public const string ServiceName = "orleansscale-silo";

    /// <summary>A silo starts no trace: it continues those whose context arrives with a grain call (from an
    /// API request, or from a grain called in one) and follows the decision made where they started. Its own
    /// background work — membership and reminder polling, the queue's polling and deliveries of messages
    /// queued outside any trace, timers, the dashboard's collector — records nothing.</summary>
    public static ISiloBuilder AddTracing(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (!TraceSettings.IsEnabled(configuration))
            return silo;

        silo.AddActivityPropagation();
        silo.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(TraceSettings.ServiceName(configuration, ServiceName),
                    serviceVersion: ProcessInfo.OfCurrentProcess(ServiceName).Version,
                    autoGenerateServiceInstanceId: false)
                .AddDetector(services => new SiloInstance(services.GetRequiredService<IOptions<SiloOptions>>())))
            .WithTracing(tracing =>
            {
                tracing.AddSource(TraceSettings.OrleansSources);
                tracing.AddNpgsql();
                tracing.ConfigureSampler((_, _) => new ParentBasedSampler(new AlwaysOffSampler()));
                if (TraceSettings.HasOtlpEndpoint(configuration))
                    tracing.AddOtlpExporter();
            });
        return silo;
    }

    sealed class SiloInstance(IOptions<SiloOptions> silo) : IResourceDetector
    {
        public Resource Detect() => new([new("service.instance.id", silo.Value.SiloName)]);
    }
}
