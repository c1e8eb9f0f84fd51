using Orleans.Providers.Streams.Common;

namespace OrleansScale.Tests.Hosting;

/// <summary>The queue's pulling agents as the silos report them.</summary>
public static class QueueAgents
{
    /// <summary>Waits until every partition of the queue is pulled by exactly one agent and every active silo
    /// runs some (with no more silos than partitions): after a silo joins or dies, partitions move between
    /// silos for a few seconds, and a message delivered again meanwhile may go to another silo than the first
    /// time.</summary>
    public static Task AwaitSettled(IGrainFactory grains, int partitions, TimeSpan timeout) =>
        Await.Until(async () =>
        {
            var perSilo = await grains.GetGrain<IManagementGrain>(0).SendControlCommandToProvider<PersistentStreamProvider>(
                StreamProviders.Queue, (int)PersistentStreamProviderCommand.GetNumberRunningAgents);
            return perSilo.Select(count => Convert.ToInt32(count)).ToArray();
        }, agents => agents.Sum() == partitions && agents.All(count => count > 0), timeout,
            $"the queue's {partitions} partitions pulled once each, by every silo (agents per silo)");
}
