using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using OrleansScale.Api.Hosting;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Tests.Hosting;

/// <summary>What each host registers for tracing, with and without an OTLP endpoint; no cluster is started.</summary>
public sealed class TracingSetupTests
{
    const string Endpoint = "http://127.0.0.1:4317";

    [Fact]
    public void Without_an_otlp_endpoint_neither_host_registers_a_tracer_or_a_grain_call_filter()
    {
        var api = Api([]);
        var silo = Silo([]);

        foreach (var services in new[] { api, silo })
        {
            Assert.DoesNotContain(services, d => d.ServiceType == typeof(TracerProvider));
            Assert.DoesNotContain(services, d => d.ServiceType == typeof(IOutgoingGrainCallFilter));
            Assert.DoesNotContain(services, d => d.ServiceType == typeof(IIncomingGrainCallFilter));
        }
    }

    [Fact]
    public void With_an_otlp_endpoint_each_host_traces_under_its_service_name_and_a_silo_under_its_own_name()
    {
        using var api = Api([new("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint)]).BuildServiceProvider();
        using var silo = Silo([new("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint)], siloName: "silo-7").BuildServiceProvider();

        Assert.NotEmpty(api.GetServices<IOutgoingGrainCallFilter>());
        Assert.NotEmpty(silo.GetServices<IIncomingGrainCallFilter>());
        var apiResource = Attributes(api);
        var siloResource = Attributes(silo);
        Assert.Equal(Tracing.ServiceName, apiResource["service.name"]);
        Assert.Equal(SiloTracing.ServiceName, siloResource["service.name"]);
        Assert.Equal("silo-7", siloResource["service.instance.id"]);
    }

    [Fact]
    public void Otel_service_name_renames_the_service()
    {
        using var api = Api([new("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint), new("OTEL_SERVICE_NAME", "shop-api")]).BuildServiceProvider();

        Assert.Equal("shop-api", Attributes(api)["service.name"]);
    }

    [Fact]
    public void Tracing_enabled_false_keeps_tracing_off_even_with_an_endpoint()
    {
        var api = Api([new("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint), new(TraceSettings.EnabledKey, "false")]);

        Assert.DoesNotContain(api, d => d.ServiceType == typeof(TracerProvider));
    }

    static IServiceCollection Api(KeyValuePair<string, string?>[] settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTracing();
        return builder.Services;
    }

    static IServiceCollection Silo(KeyValuePair<string, string?>[] settings, string siloName = "silo")
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => silo
            .Configure<SiloOptions>(o => o.SiloName = siloName)
            .AddTracing(builder.Configuration));
        return builder.Services;
    }

    static Dictionary<string, object> Attributes(IServiceProvider services) =>
        services.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
}
