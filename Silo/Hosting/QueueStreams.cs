using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

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
                // How long a message taken by a pulling agent stays hidden before another may take it:
                // after a silo dies, its unconfirmed messages wait this long before they are redelivered.
                o.VisibilityTimeout = section.GetValue("VisibilityTimeout", o.VisibilityTimeout);
            }));
            stream.ConfigurePartitioning(section.GetValue("Partitions", 4));
        });
        return silo;
    }
}
