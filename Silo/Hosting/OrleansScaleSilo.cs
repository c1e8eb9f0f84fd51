using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansScale.Articles;
using OrleansScale.Catalog;
using OrleansScale.Activities;
using OrleansScale.Cluster;
using OrleansScale.Jobs;
using OrleansScale.Caching;
using OrleansScale.Products;
using OrleansScale.Sessions;
using OrleansScale.Users;

namespace OrleansScale.Silo.Hosting;

public static class OrleansScaleSilo
{
    /// <summary>Grain locations each silo caches unless <c>Orleans:DirectoryCacheSize</c> says otherwise.</summary>
    public const int DirectoryCacheSize = 100_000;

    /// <summary>Everything a silo of this cluster runs: clustering, storage, streams and reminders in Postgres,
    /// fast failure detection, the opt-in rebalancer, the dashboard collector, tracing when it is configured and
    /// the grains' options.
    /// Endpoints and cluster identity are the host's business (see <see cref="UseConfiguredEndpoints"/>).</summary>
    public static ISiloBuilder AddOrleansScale(this ISiloBuilder silo, IConfiguration configuration)
    {
        var connectionString = PostgresConnection.Required(configuration);
        var providers = PostgresConnection.ForProviders(connectionString);
        silo.Services.NameProviderConnectionsAfterTheSilo();

        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresConnection.Invariant;
            o.ConnectionString = providers;
        });
        silo.AddAdoNetGrainStorage(StorageNames.Main, o =>
        {
            o.Invariant = PostgresConnection.Invariant;
            o.ConnectionString = providers;
            o.DeleteStateOnClear = true;
        });
        foreach (var binary in new[] { StorageNames.Feeds, StorageNames.Streams })
        {
            silo.AddAdoNetGrainStorage(binary, o =>
            {
                o.Invariant = PostgresConnection.Invariant;
                o.ConnectionString = providers;
                // Pages that fell off are deleted, not kept as empty rows.
                o.DeleteStateOnClear = true;
            });
            silo.Services.AddOptions<AdoNetGrainStorageOptions>(binary)
                .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        }
        // Stream subscriptions are kept here, even with implicit subscriptions only.
        silo.AddAdoNetGrainStorage("PubSubStore", o =>
        {
            o.Invariant = PostgresConnection.Invariant;
            o.ConnectionString = providers;
        });
        silo.AddQueueStreams(configuration, providers);

        // The timeout of every grain call a silo makes, the pulling agents' deliveries to queue consumers
        // among them; the queue's consumer timeout must fit inside it (QueueOptionsValidator).
        // After MaxRequestProcessingTime Orleans treats an activation as stuck: one still busy with a single
        // request is deactivated, and one still deactivating (seen after migrations, dotnet/orleans#10045)
        // is abandoned and its directory entry removed, so calls reach a new activation. Orleans' 2 h would
        // leave such a grain unreachable for that long; no call here runs longer than its 30 s caller waits.
        silo.Services.AddOptions<SiloMessagingOptions>().Configure(o =>
        {
            o.ResponseTimeout = configuration.GetValue("Orleans:GrainCallTimeout", TimeSpan.FromSeconds(30));
            o.MaxRequestProcessingTime = configuration.GetValue("Orleans:MaxRequestProcessingTime", TimeSpan.FromMinutes(5));
        });
        silo.Services.AddOptions<ClusterMembershipOptions>()
            .Configure(FastFailureDetection.Apply)
            .Bind(configuration.GetSection(FastFailureDetection.Section));
        // Orleans sizes each silo's cache of grain locations for 1,000,000 entries and allocates its dictionary
        // that large up front; the cache's size gauge, which the dashboard's collector reads every second,
        // counts it by walking every bucket: 2.3 ms a second, a fifth of an idle silo's CPU. An entry unused
        // for 240 s expires anyway, so the cache needs room for the grains one silo calls in that span.
        silo.Services.Configure<GrainDirectoryOptions>(o =>
            o.CacheSize = configuration.GetValue("Orleans:DirectoryCacheSize", DirectoryCacheSize));
        silo.AddRebalancer(configuration);
        DrainOptions.AddDrainOnStop(silo, configuration);

        // Its collector reads every Orleans instrument and reports to the dashboard grain: a silo's largest cost
        // when idle, so it runs every 5 s rather than the dashboard's every second. Operators who do not watch
        // the dashboard may turn it off per silo.
        if (configuration.GetValue("Dashboard:Enabled", true))
        {
            silo.AddDashboard();
            DashboardCollectionInterval.AddTo(silo, configuration);
        }
        silo.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();
        silo.AddTracing(configuration);

        silo.Services.AddDatabaseExceptionSerialization();
        silo.Services.AddKeyedSingleton(GrainClock.Key, TimeProvider.System);
        silo.Services.AddCatalog(configuration, connectionString);
        silo.Services.AddUserReviewIndex(connectionString);
        silo.Services.AddProductReviews(connectionString);
        silo.Services.AddOptions<ProductCacheRegistryOptions>().BindConfiguration(ProductCacheRegistryOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddOptions<SessionCacheRegistryOptions>().BindConfiguration(SessionCacheRegistryOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        silo.AddStartupTask<CopyRegistryWarmUp>();
        silo.Services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddSingleton(_ => new SessionStorageDatabase(
            DedicatedPool.Create(connectionString, maxConnections: 2)));
        silo.Services.AddHostedService<ExpiredSessionSweeper>();
        silo.Services.AddOptions<SignInLimitOptions>().BindConfiguration(SignInLimitOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddArticles(connectionString);
        silo.Services.AddJobs();
        silo.Services.AddOptions<FriendOptions>().BindConfiguration(FriendOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddOptions<ActivityOptions>().BindConfiguration(ActivityOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<ActivityOptions>, ActivityOptionsValidator>();
        silo.Services.AddSingleton<FeedDeliveryBuffer>();
        return silo;
    }

    /// <summary>Listens on the ports from the "Silo" section and joins the cluster named by "Orleans".</summary>
    public static ISiloBuilder UseConfiguredEndpoints(this ISiloBuilder silo, IConfiguration configuration)
    {
        var endpoint = configuration.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new();
        silo.ConfigureEndpoints(AdvertisedAddress(endpoint.AdvertisedIp), endpoint.SiloPort, endpoint.GatewayPort,
            endpoint.ListenOnAnyHostAddress);
        silo.Configure<SiloOptions>(o => o.SiloName = endpoint.Name ?? $"silo-{endpoint.SiloPort}");
        silo.Configure<ClusterOptions>(configuration.GetSection("Orleans"));
        return silo;
    }

    /// <summary>"Silo:AdvertisedIp" as an address, or, when it is a host name (a compose service's, say), the
    /// address it resolves to at start, IPv4 first.</summary>
    public static IPAddress AdvertisedAddress(string ipOrHostName)
    {
        if (IPAddress.TryParse(ipOrHostName, out var address))
            return address;
        var addresses = Dns.GetHostAddresses(ipOrHostName);
        return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"Silo:AdvertisedIp: the host name {ipOrHostName} resolves to no address.");
    }
}
