using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Users;

/// <summary>How many failed sign-ins one user name may have in a window before every further
/// attempt is refused. Counted in the name's grain, so the limit holds across API processes.</summary>
public sealed class SignInLimitOptions
{
    public const string Section = "SignInLimit";

    [Range(1, 10_000)]
    public int MaxFailedAttempts { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
