using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansScale.Activities;
using OrleansScale.Queue;

namespace OrleansScale.Tests.Queue;

public sealed class QueueOptionsValidatorTests
{
    static readonly TimeSpan OrleansDefaultCallTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_settings_the_silo_ships_with_fit_the_budget()
    {
        var settings = new ConfigurationBuilder().AddJsonFile(Path.Combine(RepositoryRoot(), "Silo", "appsettings.json")).Build();
        var queue = settings.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        var activities = settings.GetSection(ActivityOptions.Section).Get<ActivityOptions>() ?? new ActivityOptions();
        var callTimeout = settings.GetValue("Orleans:GrainCallTimeout", OrleansDefaultCallTimeout);

        var queueResult = new QueueOptionsValidator(callTimeout).Validate(null, queue);
        var activityResult = new ActivityOptionsValidator(Options.Create(queue)).Validate(null, activities);

        Assert.True(queueResult.Succeeded, queueResult.FailureMessage);
        Assert.True(activityResult.Succeeded, activityResult.FailureMessage);
    }

    static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "OrleansScale.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No OrleansScale.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void The_defaults_fit_Orleans_default_grain_call_timeout() =>
        Assert.True(new QueueOptionsValidator(OrleansDefaultCallTimeout).Validate(null, new QueueOptions()).Succeeded);

    [Fact]
    public void A_consumer_timeout_that_leaves_no_room_before_the_grain_call_timeout_is_refused()
    {
        var result = new QueueOptionsValidator(OrleansDefaultCallTimeout)
            .Validate(null, new QueueOptions { ConsumerTimeout = TimeSpan.FromSeconds(26) });

        Assert.True(result.Failed);
        Assert.Contains("Queue:ConsumerTimeout", result.FailureMessage);
    }

    [Fact]
    public void A_retry_delay_shorter_than_the_grain_call_timeout_is_refused()
    {
        var result = new QueueOptionsValidator(OrleansDefaultCallTimeout)
            .Validate(null, new QueueOptions { RetryDelay = TimeSpan.FromSeconds(20) });

        Assert.True(result.Failed);
        Assert.Contains("Queue:RetryDelay", result.FailureMessage);
    }

    [Fact]
    public void A_lease_shorter_than_three_deliveries_is_refused()
    {
        var result = new QueueOptionsValidator(OrleansDefaultCallTimeout)
            .Validate(null, new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(60) });

        Assert.True(result.Failed);
        Assert.Contains("Queue:VisibilityTimeout", result.FailureMessage);
    }
}
