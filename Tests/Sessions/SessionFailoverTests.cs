using System.Net;
using OrleansScale.Sessions;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Sessions;

public sealed class SessionFailoverTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
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

        await fixture.Cluster.KillSiloAsync(silo);
        var response = await http.GetAsync("/api/sessions/current");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
