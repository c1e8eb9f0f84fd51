// The HTTP pipeline of the comparison services, shared by bench/Direct and bench/CacheAside. It carries
// what OrleansScale's API carries on every request (problem details and the exception handler, status
// code pages, the authentication and authorization middleware with no default scheme, so that only endpoints
// that require authorization run a handler, OpenTelemetry metrics of ASP.NET Core and Kestrel with
// a Prometheus endpoint, console logging at the same levels), so that a comparison measures the data
// path and not a leaner pipeline. Set Pipeline=slim to measure them without it.
using OpenTelemetry.Metrics;

static class ServiceDefaults
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var probe = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var slim = probe["Pipeline"] == "slim";
        var builder = slim ? WebApplication.CreateSlimBuilder(args) : WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        if (slim)
        {
            builder.Logging.ClearProviders();
            return builder;
        }
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddProblemDetails();
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddAuthorization();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql", "System.Runtime")
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication UseDefaults(this WebApplication app)
    {
        if (app.Configuration["Pipeline"] == "slim")
            return app;
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
