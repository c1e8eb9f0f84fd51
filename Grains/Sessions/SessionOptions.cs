using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Sessions;

public sealed class SessionOptions
{
    public const string Section = "Sessions";

    /// <summary>A session unused for this long expires. Each use slides the expiry.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "30.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Sliding the expiry is written to storage at most this often per session, so
    /// reads do not each cost a database write. A silo crash can shorten a session by at most this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ExpiryWriteInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each silo deletes the stored state of sessions that expired unused.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepEvery { get; set; } = TimeSpan.FromHours(1);
}
