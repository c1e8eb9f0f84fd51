using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Internal;
using Orleans.Runtime.Providers;
using Orleans.Streams;
using OrleansScale.Queue;

namespace OrleansScale.Silo.Hosting;

/// <summary>The durable queue for background work: Orleans' ADO.NET stream provider on Postgres, configured
/// from <see cref="QueueOptions"/> so that its timeouts form one budget (docs/operations.md, "The queue").</summary>
static class QueueStreams
{
    public static ISiloBuilder AddQueueStreams(this ISiloBuilder silo, IConfiguration configuration, string connectionString)
    {
        var queue = new QueueOptions();
        configuration.GetSection(QueueOptions.Section).Bind(queue);
        silo.Services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<QueueOptions>>(provider =>
            new QueueOptionsValidator(provider.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout));
        silo.Services.AddSingleton<QueueMetrics>();
        silo.Services.AddSingleton<QueueDeliveries>();
        silo.Services.AddSingleton<QueueBalancers>();
        silo.Services.AddSingleton(provider => ActivatorUtilities.CreateInstance<GivenUpLeases>(provider, connectionString));
        silo.Services.AddHostedService(provider => ActivatorUtilities.CreateInstance<QueueRetryPolicy>(provider, connectionString));
        silo.Services.AddHostedService(provider => ActivatorUtilities.CreateInstance<DeadSiloLeases>(provider, connectionString));

        silo.AddAdoNetStreams(StreamProviders.Queue, stream =>
        {
            stream.ConfigureAdoNet(ob => ob.Configure(o =>
            {
                o.Invariant = PostgresConnection.Invariant;
                o.ConnectionString = connectionString;
                o.ExpiryTimeout = queue.ExpiryTimeout;
                o.MaxAttempts = queue.MaxAttempts;
                o.VisibilityTimeout = queue.VisibilityTimeout;
                o.DeadLetterEvictionTimeout = queue.DeadLetterRetention;
            }));
            stream.ConfigurePartitioning(queue.Partitions);
            stream.ConfigurePartitionBalancing(EvenQueueBalancer.Create);
            // The agent's cache is what a silo holds of a partition: leased messages waiting for or in delivery.
            // Bounding it bounds the work in flight per partition, and keeps a backlog in Postgres, unleased.
            stream.ConfigureCache(queue.MaxInFlightPerPartition);
            stream.ConfigurePullingAgent(ob => ob.Configure(o =>
            {
                o.GetQueueMsgsTimerPeriod = queue.PollInterval;
                // A stream with a backlog (a product changed again and again) hands its consumer several at once.
                o.BatchContainerBatchSize = queue.DeliveryBatchSize;
                o.StreamInactivityPeriod = queue.StreamIdleTimeout;
                // Retry in the silo only a delivery that failed at once (a grain that could not activate, say);
                // one that failed after working a while is failed back to the queue, which retries it after
                // its retry delay. Never more than this window: a retry loop here holds up the whole partition.
                o.MaxEventDeliveryTime = QueueOptions.InProcessRetryWindow;
            }));
            stream.ConfigureBackoffProvider((_, _) => new InProcessRetryBackoff());
            // Every consumer subscribes implicitly, so the pulling agents need not register each new stream
            // with a pub-sub grain (a grain activation and a storage write per stream): activity fan-out
            // spreads every author over many streams.
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
        return silo;
    }

    /// <summary>The pause between in-silo retries of a delivery that failed at once.</summary>
    sealed class InProcessRetryBackoff : IMessageDeliveryBackoffProvider
    {
        public TimeSpan Next(int attempt) => TimeSpan.FromMilliseconds(250);
    }
}
