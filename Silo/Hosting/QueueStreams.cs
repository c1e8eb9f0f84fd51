using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Streams;

namespace OrleansScale.Silo.Hosting;

/// <summary>The durable queue for background work: Orleans' ADO.NET stream provider on Postgres.</summary>
static class QueueStreams
{
    public static ISiloBuilder AddQueueStreams(this ISiloBuilder silo, IConfiguration configuration, string connectionString)
    {
        var section = configuration.GetSection("Queue");
        silo.AddAdoNetStreams(StreamProviders.Queue, stream =>
        {
            stream.ConfigureAdoNet(ob => ob.Configure(o =>
            {
                o.Invariant = PostgresConnection.Invariant;
                o.ConnectionString = connectionString;
                // The default (10 min) dead-letters work that waits out a longer outage; a day
                // covers any outage we plan for.
                o.ExpiryTimeout = section.GetValue("ExpiryTimeout", TimeSpan.FromDays(1));
                o.MaxAttempts = section.GetValue("MaxAttempts", 5);
                // How long a delivered but unconfirmed message stays hidden: after a silo dies mid-delivery,
                // its messages reach another silo this much later. Every consumer must finish well within it.
                o.VisibilityTimeout = section.GetValue("VisibilityTimeout", TimeSpan.FromMinutes(1));
            }));
            stream.ConfigurePartitioning(section.GetValue("Partitions", 4));
            // Every consumer subscribes implicitly, so the pulling agents need not register each new stream
            // with a pub-sub grain (a grain activation and a storage write per stream): activity fan-out
            // spreads every author over many streams.
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
        return silo;
    }
}
