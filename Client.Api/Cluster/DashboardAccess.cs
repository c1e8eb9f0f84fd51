using System.Net;
using Microsoft.AspNetCore.Authorization;
using Orleans.Dashboard;
using OrleansScale.Api.Sessions;

namespace OrleansScale.Api.Cluster;

/// <summary>The Orleans Dashboard, served by this API under /dashboard. It has no authentication of its
/// own and shows the whole cluster, so it is not public: requests from this machine (loopback) are let in
/// by default, anyone else must be signed in as an administrator. "Dashboard:AllowLoopback" = false makes
/// it administrators only.</summary>
public static class DashboardAccess
{
    const string Policy = "Dashboard";

    public static WebApplicationBuilder AddDashboardAccess(this WebApplicationBuilder builder)
    {
        var allowLoopback = builder.Configuration.GetValue("Dashboard:AllowLoopback", true);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(SessionAuthentication.Scheme)
            .RequireAssertion(context =>
                context.User.IsInRole("admin")
                || (allowLoopback && context.Resource is HttpContext http && IsLoopback(http.Connection.RemoteIpAddress))));
        return builder;
    }

    /// <summary>"Dashboard:Enabled" (true by default), the same switch as on the silos: false serves no dashboard
    /// from this process (/dashboard is then 404), for API processes that face the public or for a cluster whose
    /// silos collect nothing for it.</summary>
    public static bool Enabled(IConfiguration configuration) => configuration.GetValue("Dashboard:Enabled", true);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        if (!Enabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
            return app;
        // Not part of the API: the dashboard's own app and its data, left out of the OpenAPI document.
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(Policy).ExcludeFromDescription();
        return app;
    }

    static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
