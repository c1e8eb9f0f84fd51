using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>The activation rebalancer moves existing activations to a silo that joined later, so a new
/// silo takes its share of the load rather than only new activations. It is experimental in Orleans 10
/// (diagnostic ORLEANSEXP002) and on unless "Rebalancer:Enabled" is false. MigrationStressTests runs it on a
/// 2 s cycle, with explicit migrations and a silo joining and leaving, under reads and writes of products,
/// carts, reviews, friendships and feeds, and sees no wrong answer, no error and no call chain that comes
/// back to a grain (which the rebalancer's migrations stall); the defaults here (first session 15 s after
/// start, then a cycle every 5 s) move less often than that (docs/operations.md).</summary>
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
