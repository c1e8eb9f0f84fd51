using System.Diagnostics;
using Orleans.Providers.Streams.Common;

namespace OrleansScale.Tests.Hosting;

/// <summary>The queue's pulling agents as the silos report them.</summary>
public static class QueueAgents
{
    /// <summary>How long the agents per silo must stay as they are to count as settled.</summary>
    static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    /// <summary>Waits until every partition of the queue is pulled by exactly one agent and the count of agents
    /// per silo has not changed for <see cref="Quiet"/>: after a silo joins or dies, partitions move between
    /// silos for a few seconds, and a message delivered again meanwhile may go to another silo than the first
    /// time. Returns the agents per silo, fewest first.</summary>
    public static async Task<int[]> AwaitSettled(IGrainFactory grains, int partitions, TimeSpan timeout)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var waited = Stopwatch.StartNew();
        string? last = null;
        var unchanged = Stopwatch.StartNew();
        while (true)
        {
            var perSilo = (await management.SendControlCommandToProvider<PersistentStreamProvider>(
                StreamProviders.Queue, (int)PersistentStreamProviderCommand.GetNumberRunningAgents))
                .Select(count => Convert.ToInt32(count)).ToArray();
            var now = string.Join(", ", perSilo);
            if (now != last)
            {
                last = now;
                unchanged.Restart();
            }
            else if (perSilo.Sum() == partitions && unchanged.Elapsed >= Quiet)
                return [.. perSilo.Order()];
            if (waited.Elapsed > timeout)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for the queue's {partitions} partitions to be pulled once each, unchanged for {Quiet.TotalSeconds:0} s; agents per silo: {last}");
            await Task.Delay(250);
        }
    }
}
