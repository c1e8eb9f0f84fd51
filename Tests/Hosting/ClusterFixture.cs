using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansScale.Api.Sessions;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Tests.Hosting;

/// <summary>A real cluster for one test class: its own Postgres database with the schema, two silos
/// clustering through the ADO.NET membership table (not the test membership; one silo where
/// <see cref="OneSilo"/>), and two API processes (A and B) as clones connected to it. B starts on first use:
/// most classes never use it, and each API process costs about a second to start.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public const string AdminUserName = "admin";
    public const string AdminPassword = "admin-password-for-tests";

    /// <summary>The clock of every silo in this process; tests move it to expire things.</summary>
    public static ManualClock Clock { get; } = new();

    public TestDatabase Database { get; private set; } = null!;
    public TestCluster Cluster { get; private set; } = null!;
    public ApiFactory ApiA { get; private set; } = null!;
    public ApiFactory ApiB { get; private set; } = null!;
    Dictionary<string, string?> apiSettings = [];

    /// <summary>Extra configuration for silos and APIs of this fixture.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>More silo or client configurators for this fixture's cluster.</summary>
    protected virtual void ConfigureCluster(TestClusterBuilder builder) { }

    /// <summary>More services for this fixture's API processes.</summary>
    protected virtual void ConfigureApi(IServiceCollection services) { }

    /// <summary>The API processes check their copies of sessions against the silos' clock, which tests move to
    /// expire sessions.</summary>
    void ApiServices(IServiceCollection services)
    {
        services.AddKeyedSingleton<TimeProvider>(SessionCopies.ClockKey, Clock);
        ConfigureApi(services);
    }

    /// <summary>One silo started instead of two, for a fixture whose tests need no second one (or start it
    /// themselves): each costs a second or more of every test run.</summary>
    protected virtual bool OneSilo => false;

    /// <summary>Whether the silos collect for the Orleans Dashboard and the API processes serve it. Off unless a
    /// fixture tests it: its assets take half a second of every API process's start, and its collector is a silo's
    /// largest cost when idle.</summary>
    protected virtual bool Dashboard => false;

    protected virtual string Purpose => GetType().Name.Replace("Fixture", "");

    public virtual async Task InitializeAsync()
    {
        Database = await TestDatabase.Create(Purpose);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = Database.ConnectionString,
            // A cluster torn down after its tests need not hand its grains over first (a few seconds a class);
            // the fixtures that stop a silo while it serves turn it back on.
            ["Drain:Enabled"] = "false",
            ["Dashboard:Enabled"] = Dashboard ? "true" : "false",
        };
        foreach (var (key, value) in Settings)
            settings[key] = value;

        // One silo, then the second: started together, both updated the membership table at once, and the
        // loser of that race waited 2 to 5 s in its join's backoff, in almost every fixture.
        var builder = new TestClusterBuilder(1);
        builder.Options.UseTestClusterMembership = false;
        // Real sockets: the API factories connect to the gateways like any external client.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(settings));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        ConfigureCluster(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        if (!OneSilo)
        {
            await Cluster.StartAdditionalSiloAsync();
            await Cluster.WaitForLivenessToStabilizeAsync();
        }

        settings["Orleans:ClusterId"] = Cluster.Options.ClusterId;
        settings["Orleans:ServiceId"] = Cluster.Options.ServiceId;
        settings["Admin:UserName"] = AdminUserName;
        settings["Admin:Password"] = AdminPassword;
        apiSettings = settings;
        ApiA = new ApiFactory(settings, ApiServices);
        ApiB = new ApiFactory(settings, ApiServices);
        // Starting the host connects it and ensures the administrator exists.
        _ = ApiA.Server;
    }

    /// <summary>One more API process of this cluster, with some settings of its own; the caller disposes it.</summary>
    public ApiFactory NewApi(params (string Key, string? Value)[] overrides)
    {
        var api = new ApiFactory(ApiSettings(overrides), ApiServices);
        _ = api.Server;
        return api;
    }

    /// <summary>One more API process of this cluster, with some settings of its own, served by Kestrel on a real
    /// TCP port of <paramref name="address"/> (<see cref="ApiFactory.StartOnSockets"/>); the caller disposes it.</summary>
    public (ApiFactory Api, Uri BaseAddress) NewApiOnSockets(IPAddress address, params (string Key, string? Value)[] overrides)
    {
        var api = new ApiFactory(ApiSettings(overrides), ApiServices);
        return (api, api.StartOnSockets(address).Single());
    }

    Dictionary<string, string?> ApiSettings((string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(apiSettings);
        foreach (var (key, value) in overrides)
            settings[key] = value;
        return settings;
    }

    public virtual async Task DisposeAsync()
    {
        await ApiA.DisposeAsync();
        await ApiB.DisposeAsync();
        // Killed, not stopped: a graceful stop waits for the queue's deliveries in flight (fan-outs waiting for
        // feeds to write), seconds in a third of the classes, for a cluster and database thrown away next.
        foreach (var silo in Cluster.Silos.ToList())
            await Cluster.KillSiloAsync(silo);
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddOrleansScale(silo.Configuration);
            silo.Services.AddKeyedSingleton<TimeProvider>(GrainClock.Key, Clock); // the last registration wins
        }
    }

    sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = configuration.GetConnectionString("Postgres");
            });
            // The client starts with the first silo as its only gateway; it learns of the second from the table.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        }
    }
}
