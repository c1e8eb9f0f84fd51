using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>The activation rebalancer moves existing activations to a silo that joined later, so a new
/// silo takes its share of the load rather than only new activations. It is experimental in Orleans 10
/// (diagnostic ORLEANSEXP002), hence the switch: "Rebalancer:Enabled" (default true).</summary>
static class Rebalancing
{
    const string Section = "Rebalancer";

    public static ISiloBuilder AddRebalancer(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.GetValue("Enabled", true))
            return silo;
#pragma warning disable ORLEANSEXP002
        silo.AddActivationRebalancer();
#pragma warning restore ORLEANSEXP002
        silo.Services.AddOptions<ActivationRebalancerOptions>()
            .Configure(o =>
            {
                o.RebalancerDueTime = TimeSpan.FromSeconds(15);
                o.SessionCyclePeriod = TimeSpan.FromSeconds(5);
            })
            .Bind(section);
        return silo;
    }
}
