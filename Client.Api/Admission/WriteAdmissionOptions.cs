using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Api.Admission;

/// <summary>How many writes one API server lets into the cluster at once ("Writes:Admission").</summary>
public sealed class WriteAdmissionOptions
{
    public const string Section = "Writes:Admission";

    /// <summary>Writes running in the cluster at once, from this API server. At the highest write rate the
    /// 2-core reference machine sustains (about 250/s) about 10 are in flight; more only queue inside the
    /// silos, where they delay reads too.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrent { get; set; } = 16;

    /// <summary>Writes that may wait for a turn; a write beyond them is refused at once.</summary>
    [Range(0, 1_000_000)]
    public int MaxWaiting { get; set; } = 64;

    /// <summary>How long a write waits for its turn before it is refused.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What a refused write's Retry-After says.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Turns the limit off: every write goes straight to the cluster.</summary>
    public bool Enabled { get; set; } = true;
}
