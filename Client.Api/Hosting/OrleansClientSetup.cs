using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;

using OrleansScale.Api.Cluster;

namespace OrleansScale.Api.Hosting;

public static partial class OrleansClientSetup
{
    /// <summary>Connects this process to the cluster as an Orleans client: gateways found through the
    /// membership table in Postgres and refreshed every few seconds, so silos that join or die are
    /// noticed without a restart. Also registers the shared Postgres data source.</summary>
    public static WebApplicationBuilder AddOrleansScaleClient(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var connectionString = configuration.GetConnectionString("Postgres") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Give it in appsettings.json or as the environment variable ConnectionStrings__Postgres.");
        // The API reads Postgres itself only for the queue's state and the readiness probe, a statement at a
        // time: a small pool keeps an API's share of the server's max_connections small.
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 4 }));

        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            client.Configure<ClusterOptions>(configuration.GetSection("Orleans"));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(3));
            // A request caught on a gateway connection that dies with its silo gets no answer; Orleans'
            // default would hold the HTTP request for 30 s. Every grain call behind this API is short
            // (long work is queued), so fail it sooner and let the read retry or the client decide.
            client.Configure<ClientMessagingOptions>(o =>
                o.ResponseTimeout = configuration.GetValue("Orleans:ResponseTimeout", TimeSpan.FromSeconds(5)));
            client.AddAdoNetStreams(StreamProviders.Queue, stream =>
            {
                stream.ConfigureAdoNet(ob => ob.Configure(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                }));
                // Must match the silos' partition count: both sides map a stream to a queue by it.
                stream.ConfigurePartitioning(configuration.GetSection("Queue").GetValue("Partitions", 4));
            });
            // Dashboard:Enabled=false, as on the silos, leaves the dashboard out (its assets take half a second of
            // every start and memory of every process).
            if (DashboardAccess.Enabled(configuration))
                client.AddDashboard();
            client.Services.AddDatabaseExceptionSerialization();
            client.UseConnectionRetryFilter<WaitForClusterRetryFilter>();
        });
        return builder;
    }

    /// <summary>At start the silos may not be up yet: keep trying for "Orleans:ConnectTimeout"
    /// (default 2 minutes), saying so in the log, then give up so a supervisor sees the failure.</summary>
    sealed partial class WaitForClusterRetryFilter(ILogger<WaitForClusterRetryFilter> logger, IConfiguration configuration)
        : IClientConnectionRetryFilter
    {
        readonly DateTime giveUpAt = DateTime.UtcNow + configuration.GetValue("Orleans:ConnectTimeout", TimeSpan.FromMinutes(2));

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            if (DateTime.UtcNow > giveUpAt)
                return false;
            LogWaiting(exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable yet, retrying in 1 s: {Reason}")]
        partial void LogWaiting(string reason);
    }
}
