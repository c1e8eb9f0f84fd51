using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Jobs;

public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>Attempts before a job ends failed. An attempt cut short by a dying silo counts too.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Pause after a failed attempt, multiplied by the attempt number. All attempts of one
    /// delivery must fit in the queue's visibility timeout, or the queue hands the job out again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a finished job's result can be fetched.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ResultTimeToLive { get; set; } = TimeSpan.FromHours(24);
}

public sealed class ExportOptions
{
    public const string Section = "Exports";

    /// <summary>An export of a user with more articles than this fails with a message saying so; the export
    /// reads no more of the author index than this and one.</summary>
    [Range(0, 1_000_000)]
    public int MaxArticles { get; set; } = 10_000;

    /// <summary>At most this many of the user's newest activities go into an export.</summary>
    [Range(0, 1_000_000)]
    public int MaxActivities { get; set; } = 10_000;

    /// <summary>At most this many of the user's newest reviews go into an export; older ones are left out
    /// (the export's <c>reviewsOmitted</c> says so).</summary>
    [Range(0, 1_000_000)]
    public int MaxReviews { get; set; } = 10_000;

    /// <summary>The largest export, in bytes of its JSON. A bigger one fails the job with a message naming
    /// this setting instead of being stored: the result is part of the job's stored document. At most
    /// <see cref="JobState.MaxResultBytes"/>.</summary>
    [Range(1_024, JobState.MaxResultBytes)]
    public int MaxResultBytes { get; set; } = 8 * 1024 * 1024;
}
