using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace OrleansScale.Queue;

/// <summary>A grain that consumes one namespace of the durable queue through an implicit subscription
/// (the derived class carries <c>[ImplicitStreamSubscription]</c>). Messages arrive at least once, so
/// <see cref="Consume"/> must be idempotent. Each delivery runs under the queue's deadline
/// (<see cref="QueueDeliveries"/>): <see cref="Consume"/> should pass its token on to long waits. Throwing
/// fails the delivery, and the queue hands the message out again after its retry delay.</summary>
public abstract class QueueConsumerGrain<TMessage> : Grain, IStreamSubscriptionObserver, IAsyncObserver<TMessage>
{
    StreamId stream;

    /// <summary>Handles one message; <paramref name="cancellationToken"/> fires at the queue's deadline.</summary>
    protected abstract Task Consume(TMessage message, CancellationToken cancellationToken);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        stream = handleFactory.StreamId;
        await handleFactory.Create<TMessage>().ResumeAsync(this);
    }

    public Task OnNextAsync(TMessage item, StreamSequenceToken? token = null) =>
        ServiceProvider.GetRequiredService<QueueDeliveries>().Run(stream, GetType().Name, ct => Consume(item, ct));

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType())
            .LogWarning(ex, "The queue reported an error to {Consumer} {Key}", GetType().Name, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }
}
