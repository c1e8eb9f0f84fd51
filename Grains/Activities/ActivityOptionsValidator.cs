using Microsoft.Extensions.Options;
using OrleansScale.Queue;

namespace OrleansScale.Activities;

/// <summary>Refuses to start a silo whose activity settings do not fit the queue's timeout budget: a fan-out
/// holds its queue message until every feed has written the activity, which takes up to one and a half
/// <see cref="ActivityOptions.FeedFlushInterval"/>s after the <see cref="ActivityOptions.FanOutWindow"/>, and it
/// must finish well within <see cref="QueueOptions.ConsumerTimeout"/> or every fan-out times out and is retried.</summary>
public sealed class ActivityOptionsValidator(IOptions<QueueOptions> queue) : IValidateOptions<ActivityOptions>
{
    public ValidateOptionsResult Validate(string? name, ActivityOptions options)
    {
        var fanOut = options.FanOutWindow + 1.5 * options.FeedFlushInterval;
        // Half the deadline for the writes themselves and for feeds that are activating.
        return fanOut <= queue.Value.ConsumerTimeout / 2
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Activities:FeedFlushInterval ({options.FeedFlushInterval}) is too long for Queue:ConsumerTimeout " +
                $"({queue.Value.ConsumerTimeout}): a fan-out waits up to Activities:FanOutWindow plus 1.5 flush intervals " +
                $"({fanOut}) for the feeds' writes, which must be at most half the consumer timeout.");
    }
}
