using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansScale.Api.Sessions;
using OrleansScale.Sessions;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Sessions;

/// <summary>API processes without copies of sessions (SessionCache:Enabled false), so that every signed-in request
/// asks the session grain: what is tested is the grain's failover, and the switch.</summary>
public sealed class UncopiedSessionsFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("SessionCache:Enabled", "false")];
}

public sealed class SessionFailoverTests(UncopiedSessionsFixture fixture) : IClassFixture<UncopiedSessionsFixture>
{
    [Fact]
    public async Task Session_survives_the_loss_of_the_silo_that_held_it()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions/current")).StatusCode);
        var session = fixture.Cluster.Client.GetGrain<ISessionGrain>(user.Token);
        var host = await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(session);
        var silo = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));

        var copies = fixture.ApiA.Services.GetRequiredService<SessionCopies>();
        var missesBefore = copies.Misses;

        await fixture.Cluster.KillSiloAsync(silo);
        var response = await http.GetAsync("/api/sessions/current");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, copies.Hits);
        Assert.Equal(missesBefore + 1, copies.Misses);
    }
}
