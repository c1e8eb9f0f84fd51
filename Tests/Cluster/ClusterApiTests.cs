using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansScale.Silo.Hosting;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Cluster;

/// <summary>A cluster that serves the Orleans Dashboard, which some of these tests open.</summary>
public sealed class DashboardFixture : ClusterFixture
{
    protected override bool Dashboard => true;
}

public sealed class ClusterApiTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    [Fact]
    public async Task Every_provider_starts_against_the_schema_and_the_cluster_reports_each_silo_with_its_version()
    {
        await fixture.ApiA.SignUpAndIn(); // clustering, storage: a user, a name claim and a session written
        using var http = fixture.ApiA.Anonymous();

        var cluster = await http.GetFromJsonAsync<JsonElement>("/api/cluster");

        var silos = cluster.GetProperty("silos").EnumerateArray().ToList();
        Assert.Equal(2, silos.Count);
        Assert.All(silos, s =>
        {
            Assert.Equal("Active", s.GetProperty("status").GetString());
            Assert.False(string.IsNullOrEmpty(s.GetProperty("version").GetString()));
            Assert.False(string.IsNullOrEmpty(s.GetProperty("address").GetString()));
            Assert.Equal(JsonValueKind.Object, s.GetProperty("activationsByType").ValueKind);
        });
        Assert.True(silos.Sum(s => s.GetProperty("activations").GetInt32()) > 0);
        Assert.False(string.IsNullOrEmpty(cluster.GetProperty("api").GetProperty("version").GetString()));
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        using var http = fixture.ApiB.Anonymous();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_text()
    {
        using var http = fixture.ApiA.Anonymous();
        await http.GetAsync("/health/live");

        var metrics = await Await.Until(() => http.GetStringAsync("/metrics"),
            text => text.Contains("http_server_request_duration"), TimeSpan.FromSeconds(30), "HTTP metrics");

        Assert.Contains("# TYPE", metrics);
    }

    [Fact]
    public async Task The_dashboard_is_closed_to_anonymous_remote_callers_and_open_to_administrators()
    {
        using var anonymous = fixture.ApiA.Anonymous();
        var admin = await fixture.ApiA.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        var someone = await fixture.ApiA.SignUpAndIn();

        await (await anonymous.GetAsync("/dashboard/")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await fixture.ApiA.WithToken(someone.Token).GetAsync("/dashboard/")).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await fixture.ApiA.WithToken(admin.Token).GetAsync("/dashboard/")).StatusCode);
    }

    [Fact]
    public async Task An_api_process_with_the_dashboard_turned_off_serves_none_and_still_serves_the_api()
    {
        await using var api = fixture.NewApi(("Dashboard:Enabled", "false"));
        var admin = await api.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        using var http = api.WithToken(admin.Token);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/cluster")).StatusCode);
    }

    [Fact]
    public async Task The_dashboard_shows_every_silo_and_its_activations()
    {
        var admin = await fixture.ApiB.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        using var http = fixture.ApiB.WithToken(admin.Token);

        var counters = await Await.Until(() => http.GetFromJsonAsync<JsonElement>("/dashboard/DashboardCounters"),
            c => c.GetProperty("hosts").GetArrayLength() == 2 && c.GetProperty("totalActivationCount").GetInt32() > 0,
            TimeSpan.FromSeconds(30), "the dashboard to report both silos");

        var silos = counters.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("siloAddress").GetString()!).ToHashSet();
        Assert.Equal(fixture.Cluster.Silos.Select(s => s.SiloAddress.ToParsableString()).ToHashSet(), silos);
    }

    /// <summary>Orleans' default of 1,000,000 is allocated up front and walked every second by the cache's size
    /// gauge (docs/operations.md, "An idle cluster"); every silo of the cluster takes the smaller size.</summary>
    [Fact]
    public void Every_silo_caches_at_most_the_configured_number_of_grain_locations()
    {
        var sizes = fixture.Cluster.Silos.OfType<InProcessSiloHandle>()
            .Select(s => s.SiloHost.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.CacheSize)
            .ToList();
        Assert.Equal(2, sizes.Count);
        Assert.All(sizes, size => Assert.Equal(OrleansScaleSilo.DirectoryCacheSize, size));
    }
}
