using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace OrleansScale.Silo.Hosting;

/// <summary>
/// Collects the Orleans instruments for the dashboard every <c>Dashboard:CollectionInterval</c> (5 s by
/// default) instead of every second.
/// </summary>
/// <remarks>
/// The dashboard's host builds its own OpenTelemetry meter provider with a reader fixed at 1,000 ms, and each
/// collection runs every observable Orleans gauge. Two of them walk the silo's whole state: the catalog's
/// request gauge visits every activation and the directory cache's size gauge enumerates the cache. With
/// 7,700 activations per silo after a 3-minute overload those two walks were 16 % of an idle silo's CPU, and
/// the silo used 2.1 % of a core doing nothing. The dashboard offers no setting for this period, so once its
/// host has started, this service disposes the host's provider and puts in its place one that reads the same
/// meter into the same exporter at the configured period; the host then disposes the new one on shutdown.
/// The dashboard's counters page then moves every interval instead of every second; its grain and silo
/// charts come from the management grain and keep <see cref="DashboardOptions.CounterUpdateIntervalMs"/>.
/// If a later dashboard renames what this relies on, the silo logs a warning and keeps the 1 s collector.
/// </remarks>
internal sealed partial class DashboardCollectionInterval(
    IServiceProvider services, TimeSpan interval, ILogger<DashboardCollectionInterval> logger) : IHostedService
{
    public const string Key = "Dashboard:CollectionInterval";
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(5);

    private const string HostTypeName = "Orleans.Dashboard.DashboardHost";
    private const string ExporterTypeName = "Orleans.Dashboard.Implementation.DashboardTelemetryExporter";
    private const string ProviderFieldName = "_meterProvider";

    /// <summary>Registers the service after the dashboard's own, so that it starts once the dashboard's host has
    /// built its provider. One second, the dashboard's own period, registers nothing.</summary>
    public static void AddTo(ISiloBuilder silo, IConfiguration configuration)
    {
        var interval = configuration.GetValue(Key, Default);
        if (interval < TimeSpan.FromSeconds(1))
            throw new OptionsValidationException(Key, typeof(TimeSpan),
                [$"{Key} is {interval}; the dashboard collects at most once a second, so it must be at least 00:00:01."]);
        if (interval == TimeSpan.FromSeconds(1))
            return;
        silo.Services.AddHostedService(sp => new DashboardCollectionInterval(
            sp, interval, sp.GetRequiredService<ILogger<DashboardCollectionInterval>>()));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var dashboardAssembly = typeof(DashboardOptions).Assembly;
        var hostType = dashboardAssembly.GetType(HostTypeName);
        var exporterType = dashboardAssembly.GetType(ExporterTypeName);
        var providerField = hostType?.GetField(ProviderFieldName, BindingFlags.Instance | BindingFlags.NonPublic);
        var host = services.GetServices<IHostedService>().FirstOrDefault(s => s.GetType() == hostType);
        var exporter = exporterType is null ? null : services.GetService(exporterType) as BaseExporter<Metric>;
        if (host is null || providerField?.FieldType != typeof(MeterProvider) || exporter is null
            || providerField.GetValue(host) is not MeterProvider everySecond)
        {
            LogNotReplaced(logger, interval);
            return Task.CompletedTask;
        }

        // Disposing the old provider shuts its reader down and disposes the exporter, which holds no
        // resources (it only sends counters to the silo's dashboard service), so the new reader can use it.
        everySecond.Dispose();
        var milliseconds = (int)interval.TotalMilliseconds;
        providerField.SetValue(host, Sdk.CreateMeterProviderBuilder()
            .AddMeter("Orleans")
            .AddReader(new PeriodicExportingMetricReader(exporter, milliseconds, milliseconds))
            .Build());
        LogReplaced(logger, interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "The dashboard collects the Orleans instruments every {Interval} (" + Key + ")")]
    private static partial void LogReplaced(ILogger logger, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The dashboard's collector was not found where this version expects it, so it keeps collecting every second; " + Key + " ({Interval}) has no effect")]
    private static partial void LogNotReplaced(ILogger logger, TimeSpan interval);
}
