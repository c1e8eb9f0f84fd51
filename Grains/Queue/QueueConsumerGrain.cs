using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams.Core;

namespace OrleansScale.Queue;

/// <summary>A grain that consumes one namespace of the durable queue through an implicit subscription
/// (the derived class carries <c>[ImplicitStreamSubscription]</c>). Messages arrive at least once, so
/// consuming must be idempotent. The queue hands over the messages of this grain's stream in batches, each
/// one delivery under the queue's deadline (<see cref="QueueDeliveries"/>): pass the token on to long waits.
/// Throwing fails the whole batch, and the queue hands it out again after its retry delay.</summary>
public abstract class QueueConsumerGrain<TMessage> : Grain, IStreamSubscriptionObserver
{
    /// <summary>Handles one message; <paramref name="cancellationToken"/> fires at the queue's deadline.</summary>
    protected abstract Task Consume(TMessage message, CancellationToken cancellationToken);

    /// <summary>Handles a batch of this stream's messages, oldest first. By default one after the other; a
    /// consumer that can do better (keep only the newest, run them side by side) overrides it. The whole
    /// batch shares one deadline.</summary>
    protected virtual async Task ConsumeBatch(IReadOnlyList<TMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
            await Consume(message, cancellationToken);
    }

    /// <summary>Whether a delivery takes one of the silo's turns (<see cref="QueueOptions.ConsumerConcurrency"/>);
    /// false only for a consumer whose work is bounded elsewhere and that mostly waits.</summary>
    protected virtual bool BoundedByConsumerConcurrency => true;

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Consume<TMessage>(ServiceProvider.GetRequiredService<QueueDeliveries>(), GetType().Name,
            BoundedByConsumerConcurrency, ConsumeBatch);
}
