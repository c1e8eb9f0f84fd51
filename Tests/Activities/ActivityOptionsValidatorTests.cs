using Microsoft.Extensions.Options;
using Orleans.Hosting;
using OrleansScale.Activities;

namespace OrleansScale.Tests.Activities;

public sealed class ActivityOptionsValidatorTests
{
    // Orleans' default MinimumReminderPeriod: 1 min.
    static ValidateOptionsResult Validate(ActivityOptions activities) =>
        new ActivityOptionsValidator(Options.Create(new ReminderOptions())).Validate(null, activities);

    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(Validate(new ActivityOptions()).Succeeded);

    [Fact]
    public void A_requeue_period_shorter_than_the_reminder_minimum_is_refused()
    {
        var result = Validate(new ActivityOptions { RequeueAfter = TimeSpan.FromSeconds(30) });

        Assert.True(result.Failed);
        Assert.Contains("Reminders:MinimumReminderPeriod", result.FailureMessage);
    }

    [Fact]
    public void A_requeue_period_that_does_not_outlast_two_flush_intervals_is_refused()
    {
        var result = Validate(new ActivityOptions { RequeueAfter = TimeSpan.FromMinutes(1), FeedFlushInterval = TimeSpan.FromSeconds(40) });

        Assert.True(result.Failed);
        Assert.Contains("Activities:FeedFlushInterval", result.FailureMessage);
        Assert.True(Validate(new ActivityOptions { RequeueAfter = TimeSpan.FromMinutes(1), FeedFlushInterval = TimeSpan.FromSeconds(30) }).Succeeded);
    }
}
