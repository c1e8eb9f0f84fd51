using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Cluster;

public sealed class DashboardCollectionFixture : ClusterFixture
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override bool OneSilo => true;

    protected override bool Dashboard => true;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("Dashboard:CollectionInterval", Interval.ToString())];
}

/// <summary>The dashboard's collector runs every <c>Dashboard:CollectionInterval</c> instead of every second
/// (docs/operations.md, "An idle cluster"), and what it collects still reaches the dashboard.</summary>
public sealed class DashboardCollectionTests(DashboardCollectionFixture fixture) : IClassFixture<DashboardCollectionFixture>
{
    const string ProbeName = "orleansscale-test-dashboard-collections";

    [Fact]
    public async Task The_dashboard_reads_the_Orleans_instruments_once_per_configured_interval_and_still_shows_them()
    {
        // An instrument of the meter the collector reads, counting how often it is read. Test classes run one at
        // a time, so the one silo of this fixture holds the only collector in the process.
        var reads = 0;
        using var meter = new Meter("Orleans");
        meter.CreateObservableGauge(ProbeName, () => Interlocked.Increment(ref reads));

        var window = 3 * DashboardCollectionFixture.Interval;
        var before = Volatile.Read(ref reads);
        await Task.Delay(window);
        var inWindow = Volatile.Read(ref reads) - before;

        // Three at the configured interval. (Without the change none: the dashboard's own provider, built as its
        // silo starts, was never seen to read an instrument created after that.)
        Assert.InRange(inWindow, 2, 5);

        var admin = await fixture.ApiA.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        using var http = fixture.ApiA.WithToken(admin.Token);
        var silo = fixture.Cluster.Silos.Single().SiloAddress.ToParsableString();
        var counters = await http.GetFromJsonAsync<JsonElement>($"/dashboard/SiloCounters/{silo}");
        Assert.Contains(counters.EnumerateArray(), c => c.GetProperty("name").GetString() == ProbeName);
    }
}
