using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Users;

/// <summary>Limits on friendships ("Friends" section).</summary>
public sealed class FriendOptions
{
    public const string Section = "Friends";

    /// <summary>The most friends one user may have. It bounds the user's friends document and the
    /// work one activity's fan-out queues.</summary>
    [Range(1, 100_000)]
    public int MaxFriends { get; set; } = 5_000;

    /// <summary>How soon a friendship change that failed half-way is repaired while the requester's
    /// grain stays active (a silo failure is repaired when the queued check arrives).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RepairAfter { get; set; } = TimeSpan.FromSeconds(5);
}
