using OpenTelemetry.Metrics;

namespace OrleansScale.Api.Queue;

public static class QueueMonitoring
{
    /// <summary>The queue's state on /api/cluster and /metrics, and the refusal of new background work while
    /// it lags (<see cref="QueueBackpressure"/>).</summary>
    public static WebApplicationBuilder AddQueueMonitoring(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueueMonitorOptions>().BindConfiguration(QueueMonitorOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<QueueMonitor>();
        builder.Services.AddSingleton<IQueueAge>(services => services.GetRequiredService<QueueMonitor>());
        builder.Services.AddSingleton<QueueBackpressure>();
        builder.Services.AddSingleton<SiloQueueCounters>();
        builder.Services.AddSingleton<QueueMetricsExport>();
        builder.Services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            // Created with the meter provider, so its instruments exist before the first scrape.
            provider.GetRequiredService<QueueMetricsExport>();
            metrics.AddMeter(QueueMetricsExport.MeterName);
        });
        return builder;
    }
}
