using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace OrleansScale.Api.Admission;

public static class WriteAdmissionSetup
{
    /// <summary>The limit on writes in flight from this API server (<see cref="WriteAdmission"/>).</summary>
    public static WebApplicationBuilder AddWriteAdmission(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WriteAdmissionOptions>().BindConfiguration(WriteAdmissionOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.MinConcurrent <= o.MaxConcurrent, "Writes:Admission:MinConcurrent must not exceed MaxConcurrent.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        // The limit is its own service so that the governor does not create the admission, and with it its
        // meter, before the first write: two API hosts in one process (the tests) would export each other's.
        builder.Services.AddSingleton(services =>
            new AdjustableConcurrencyLimit(services.GetRequiredService<IOptions<WriteAdmissionOptions>>().Value.MaxConcurrent));
        builder.Services.AddSingleton<WriteAdmission>();
        builder.Services.AddSingleton<ReadLatency>();
        builder.Services.AddHostedService<WriteLimitGovernor>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(WriteAdmission.MeterName));
        return builder;
    }

    /// <summary>Times this server's reads (GET under /api) for <see cref="WriteLimitGovernor"/>.</summary>
    public static WebApplication UseReadLatency(this WebApplication app)
    {
        var reads = app.Services.GetRequiredService<ReadLatency>();
        app.Use(async (http, next) =>
        {
            if (!HttpMethods.IsGet(http.Request.Method) || !http.Request.Path.StartsWithSegments("/api"))
            {
                await next(http);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            await next(http);
            reads.Record(Stopwatch.GetElapsedTime(started));
        });
        return app;
    }

    /// <summary>Refuses a write that would find the waiting line full before authentication, so that a refusal
    /// costs no session lookup (<see cref="WriteAdmission.RefusedAtOnce"/>); goes before UseAuthentication.</summary>
    public static WebApplication UseWriteRefusal(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            // Resolved on the first write only: see AddWriteAdmission.
            if (http.GetEndpoint()?.Metadata.GetMetadata<AdmittedWriteMetadata>() is null
                || !await http.RequestServices.GetRequiredService<WriteAdmission>().RefusedAtOnce(http))
                await next(http);
        });
        return app;
    }

    /// <summary>Marks a route that changes state: it waits its turn among the writes of this server, or is
    /// refused when too many are running and waiting.</summary>
    public static RouteHandlerBuilder AdmittedAsWrite(this RouteHandlerBuilder route) =>
        // The one instance of the server: AddEndpointFilter<T> would make one per route, each with its own limit.
        route.WithMetadata(new AdmittedWriteMetadata()).AddEndpointFilter((context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<WriteAdmission>().InvokeAsync(context, next));

    /// <summary>Marks a route <see cref="AdmittedAsWrite"/>, for <see cref="UseWriteRefusal"/>.</summary>
    sealed class AdmittedWriteMetadata;
}
