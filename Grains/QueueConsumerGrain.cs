using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace OrleansScale;

/// <summary>A grain that consumes one namespace of the durable queue through an implicit subscription
/// (the derived class carries <c>[ImplicitStreamSubscription]</c>). Messages arrive at least once, so
/// <see cref="Consume"/> must be idempotent; throwing from it leaves the message unconfirmed and the queue
/// delivers it again.</summary>
public abstract class QueueConsumerGrain<TMessage> : Grain, IStreamSubscriptionObserver, IAsyncObserver<TMessage>
{
    /// <summary>Handles one message.</summary>
    protected abstract Task Consume(TMessage message);

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<TMessage>().ResumeAsync(this);

    public Task OnNextAsync(TMessage item, StreamSequenceToken? token = null) => Consume(item);

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType())
            .LogWarning(ex, "The queue reported an error to {Consumer} {Key}", GetType().Name, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }
}
