using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansScale.Tests.Hosts;

/// <summary>deploy/hosts.sh: the system on hosts of their own inside this machine (network namespaces on a
/// bridge), every process on its host's address, reached from this machine through the bridge. That `down` leaves
/// nothing behind is checked when the collection's layout goes (<see cref="HostsLayoutFixture"/>).</summary>
[Collection(HostsCollection.Name)]
public sealed class HostsLayoutTests(HostsLayoutFixture layout)
{
    [Fact]
    public async Task Silos_on_two_hosts_serve_writes_through_an_API_on_a_third()
    {
        var hosts = layout.Hosts;
        using var api = new HostsApi(hosts.Api);

        var user = await api.SignUpAndIn();
        using var asUser = new HttpRequestMessage(HttpMethod.Get, "/api/sessions/current");
        asUser.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        var session = await (await api.Http.SendAsync(asUser)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user.UserId, session.GetProperty("userId").GetString());

        var admin = await api.SignInAsAdministrator();
        var id = await api.CreateProduct(admin.Token, "Across hosts");
        var read = await api.Http.GetFromJsonAsync<JsonElement>($"/api/products/{id}");
        Assert.Equal("Across hosts", read.GetProperty("name").GetString());

        var silos = (await api.Silos())!;
        Assert.Equal([hosts.SiloAddress(1), hosts.SiloAddress(2)], silos.Select(s => s.Host));
        Assert.All(silos, s =>
        {
            Assert.Equal("Active", s.Status);
            Assert.StartsWith(s.Host + ":", s.Address);
        });
        var cluster = await api.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
        Assert.Contains(hosts.Api.ToString().TrimEnd('/'),
            cluster.GetProperty("api").GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
    }
}
