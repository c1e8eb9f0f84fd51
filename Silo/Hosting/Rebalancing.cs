using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>The activation rebalancer moves existing activations to a silo that joined later, so a new
/// silo takes its share of the load rather than only new activations. It is experimental in Orleans 10
/// (diagnostic ORLEANSEXP002) and off unless "Rebalancer:Enabled" is true: under load, activations it
/// migrated while they were still activating were cancelled, and one of them came back answering as if
/// its grain had no stored state (docs/operations.md).</summary>
static class Rebalancing
{
    const string Section = "Rebalancer";

    public static ISiloBuilder AddRebalancer(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.GetValue("Enabled", false))
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
