using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;

namespace OrleansScale.Queue;

public static class QueuePublishing
{
    /// <summary>Puts one event on the durable queue, on the stream (<paramref name="streamNamespace"/>,
    /// <paramref name="key"/>), and counts it. Pass <paramref name="repeat"/> when the event may have been
    /// published before (an outbox sent again after a restart), so the amplification it causes shows.</summary>
    public static async Task PublishToQueue<T>(this Grain grain, string streamNamespace, string key, T item, bool repeat = false)
    {
        await grain.GetStreamProvider(StreamProviders.Queue)
            .GetStream<T>(StreamId.Create(streamNamespace, key))
            .OnNextAsync(item);
        grain.GrainContext.ActivationServices.GetRequiredService<QueueMetrics>().Published(streamNamespace, repeat);
    }
}
