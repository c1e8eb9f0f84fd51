using Orleans.Streams;
using Orleans.Streams.Core;

namespace OrleansScale.Queue;

public static class QueueBatches
{
    /// <summary>Subscribes <paramref name="consume"/> to the stream of <paramref name="handleFactory"/>: the
    /// pulling agent hands it up to <see cref="QueueOptions.DeliveryBatchSize"/> messages of the stream at a
    /// time, in order, and each batch runs as one delivery under the queue's deadline
    /// (<see cref="QueueDeliveries"/>): all of it succeeds, or all of it is delivered again.</summary>
    public static Task Consume<TMessage>(this IStreamSubscriptionHandleFactory handleFactory, QueueDeliveries deliveries,
        string consumer, bool bounded, Func<IReadOnlyList<TMessage>, CancellationToken, Task> consume) =>
        handleFactory.Create<TMessage>().ResumeAsync(new BatchObserver<TMessage>(handleFactory.StreamId, deliveries, consumer, bounded, consume));

    sealed class BatchObserver<TMessage>(StreamId stream, QueueDeliveries deliveries, string consumer, bool bounded,
        Func<IReadOnlyList<TMessage>, CancellationToken, Task> consume) : IAsyncBatchObserver<TMessage>
    {
        public Task OnNextAsync(IList<SequentialItem<TMessage>> items)
        {
            var messages = new TMessage[items.Count];
            for (var i = 0; i < messages.Length; i++)
                messages[i] = items[i].Item;
            return deliveries.Run(stream, consumer, messages.Length, bounded, ct => consume(messages, ct));
        }

        // The pulling agent reports a failed delivery here after it gave up on it; QueueDeliveries logged it.
        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}
