using OpenTelemetry.Metrics;

namespace OrleansScale.Api.Admission;

public static class WriteAdmissionSetup
{
    /// <summary>The limit on writes in flight from this API server (<see cref="WriteAdmission"/>).</summary>
    public static WebApplicationBuilder AddWriteAdmission(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WriteAdmissionOptions>().BindConfiguration(WriteAdmissionOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WriteAdmission>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(WriteAdmission.MeterName));
        return builder;
    }

    /// <summary>Marks a route that changes state: it waits its turn among the writes of this server, or is
    /// refused when too many are running and waiting.</summary>
    public static RouteHandlerBuilder AdmittedAsWrite(this RouteHandlerBuilder route) =>
        // The one instance of the server: AddEndpointFilter<T> would make one per route, each with its own limit.
        route.AddEndpointFilter((context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<WriteAdmission>().InvokeAsync(context, next));
}
