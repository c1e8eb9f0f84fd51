using Microsoft.Extensions.Options;
using Orleans.Hosting;

namespace OrleansScale.Activities;

/// <summary>Refuses to start a silo whose re-queue period is shorter than the reminder service allows:
/// every post would fail when it registers the re-queue reminder.</summary>
public sealed class ActivityOptionsValidator(IOptions<ReminderOptions> reminders) : IValidateOptions<ActivityOptions>
{
    public ValidateOptionsResult Validate(string? name, ActivityOptions options) =>
        options.RequeueAfter < reminders.Value.MinimumReminderPeriod
            ? ValidateOptionsResult.Fail($"Activities:RequeueAfter ({options.RequeueAfter}) is shorter than " +
                $"Reminders:MinimumReminderPeriod ({reminders.Value.MinimumReminderPeriod}); lower the latter or raise the former.")
            : ValidateOptionsResult.Success;
}
