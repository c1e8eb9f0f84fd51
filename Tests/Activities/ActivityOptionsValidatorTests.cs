using Microsoft.Extensions.Options;
using OrleansScale.Activities;
using OrleansScale.Queue;

namespace OrleansScale.Tests.Activities;

public sealed class ActivityOptionsValidatorTests
{
    static ValidateOptionsResult Validate(ActivityOptions activities, QueueOptions? queue = null) =>
        new ActivityOptionsValidator(Options.Create(queue ?? new QueueOptions())).Validate(null, activities);

    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(Validate(new ActivityOptions()).Succeeded);

    [Fact]
    public void A_flush_interval_that_a_fan_out_cannot_wait_out_within_half_the_consumer_timeout_is_refused()
    {
        var queue = new QueueOptions { ConsumerTimeout = TimeSpan.FromSeconds(20) };

        var result = Validate(new ActivityOptions { FeedFlushInterval = TimeSpan.FromSeconds(7) }, queue);

        Assert.True(result.Failed);
        Assert.Contains("Activities:FeedFlushInterval", result.FailureMessage);
        Assert.Contains("Queue:ConsumerTimeout", result.FailureMessage);
        Assert.True(Validate(new ActivityOptions { FeedFlushInterval = TimeSpan.FromSeconds(6) }, queue).Succeeded);
    }
}
