using Microsoft.Extensions.Options;
using Orleans.Hosting;

namespace OrleansScale.Activities;

/// <summary>Refuses to start a silo whose activity settings cannot work together: a re-queue period shorter
/// than the reminder service allows fails every post when it registers the re-queue reminder, and one that
/// does not outlast a feed's write-behind wait queues every activity again before its feeds could confirm it.</summary>
public sealed class ActivityOptionsValidator(IOptions<ReminderOptions> reminders) : IValidateOptions<ActivityOptions>
{
    public ValidateOptionsResult Validate(string? name, ActivityOptions options)
    {
        var failures = new List<string>();
        if (options.RequeueAfter < reminders.Value.MinimumReminderPeriod)
            failures.Add($"Activities:RequeueAfter ({options.RequeueAfter}) is shorter than " +
                $"Reminders:MinimumReminderPeriod ({reminders.Value.MinimumReminderPeriod}); lower the latter or raise the former.");
        // A feed waits up to one and a half flush intervals before it writes; twice the interval leaves room
        // for the write itself and the confirmation.
        if (options.RequeueAfter < 2 * options.FeedFlushInterval)
            failures.Add($"Activities:RequeueAfter ({options.RequeueAfter}) must be at least twice " +
                $"Activities:FeedFlushInterval ({options.FeedFlushInterval}), or fan-outs are queued again before their feeds write them.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
