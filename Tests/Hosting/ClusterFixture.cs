using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Tests.Hosting;

/// <summary>A real cluster for one test class: its own Postgres database with the schema, two silos
/// clustering through the ADO.NET membership table (not the test membership), and two API processes
/// (A and B) as clones connected to it (one of each where <see cref="OneOfEach"/>).</summary>
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

    /// <summary>One silo and one API process started instead of two of each (<see cref="ApiB"/> then starts on
    /// first use), for a fixture whose tests need no second one: each costs a few seconds of every test run.</summary>
    protected virtual bool OneOfEach => false;

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
        if (!OneOfEach)
        {
            await Cluster.StartAdditionalSiloAsync();
            await Cluster.WaitForLivenessToStabilizeAsync();
        }

        settings["Orleans:ClusterId"] = Cluster.Options.ClusterId;
        settings["Orleans:ServiceId"] = Cluster.Options.ServiceId;
        settings["Admin:UserName"] = AdminUserName;
        settings["Admin:Password"] = AdminPassword;
        apiSettings = settings;
        ApiA = new ApiFactory(settings, ConfigureApi);
        ApiB = new ApiFactory(settings, ConfigureApi);
        // Starting the hosts connects them and ensures the administrator exists.
        _ = ApiA.Server;
        if (!OneOfEach)
            _ = ApiB.Server;
    }

    /// <summary>One more API process of this cluster, with some settings of its own; the caller disposes it.</summary>
    public ApiFactory NewApi(params (string Key, string? Value)[] overrides)
    {
        var api = new ApiFactory(ApiSettings(overrides), ConfigureApi);
        _ = api.Server;
        return api;
    }

    /// <summary>One more API process of this cluster, with some settings of its own, served by Kestrel on a real
    /// TCP port of <paramref name="address"/> (<see cref="ApiFactory.StartOnSockets"/>); the caller disposes it.</summary>
    public (ApiFactory Api, Uri BaseAddress) NewApiOnSockets(IPAddress address, params (string Key, string? Value)[] overrides)
    {
        var api = new ApiFactory(ApiSettings(overrides), ConfigureApi);
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
        await Cluster.StopAllSilosAsync();
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
