using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Api.Admission;

/// <summary>How many writes one API server lets into the cluster at once ("Writes:Admission").</summary>
public sealed class WriteAdmissionOptions
{
    public const string Section = "Writes:Admission";

    /// <summary>Writes running in the cluster at once, from this API server, at most. At the highest write
    /// rate the 2-core reference machine sustains (about 250/s) about 10 are in flight; more only queue
    /// inside the silos, where they delay reads too.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrent { get; set; } = 16;

    /// <summary>Writes running at once however slow reads are, so writes never stop altogether.</summary>
    [Range(1, 100_000)]
    public int MinConcurrent { get; set; } = 1;

    /// <summary>Whether the limit follows the reads (<see cref="WriteLimitGovernor"/>) between
    /// <see cref="MinConcurrent"/> and <see cref="MaxConcurrent"/>; when false it stays at MaxConcurrent.</summary>
    public bool Adaptive { get; set; } = true;

    /// <summary>How much slower than quiet this server's reads may get (their 90th percentile over one
    /// <see cref="AdjustInterval"/>) before it lets fewer writes in.</summary>
    [Range(1.1, 100)]
    public double ReadSlowdown { get; set; } = 2;

    /// <summary>Reads whose 90th percentile stays under this are never slow, however quick they were when quiet.
    /// A read from the API's near cache takes about a tenth of a millisecond: twice that is the jitter of a
    /// garbage collection or a busy thread pool, not writes taking the cores, and without a floor it held
    /// writes at one at a time while grains moved between silos, refusing some of them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan ReadLatencyFloor { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How often the limit is set again. Each step looks at the reads of the interval, so it must
    /// hold a few dozen of them.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan AdjustInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How old the queue's backlog (its oldest first-attempt work) may get before this server lets fewer writes in:
    /// well below the age at which writes that create background work are refused outright
    /// (Queue:Backpressure:MaxAge), so that writes slow down to what the consumers keep up with first.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan QueueAgeTarget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far back the quiet read latency is taken from: the lowest of the intervals' 90th
    /// percentiles in this span.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan QuietSpan { get; set; } = TimeSpan.FromMinutes(5);

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
