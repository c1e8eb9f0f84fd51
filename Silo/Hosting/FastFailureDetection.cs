using Orleans.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>Membership settings under which a silo killed without warning is declared dead in about
/// a second instead of Orleans' default 8–16 s; during that time calls to its grains fail, so shorter
/// is better for users. Override any of them in the "Membership" section.</summary>
static class FastFailureDetection
{
    public const string Section = "Membership";

    public static void Apply(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }
}
