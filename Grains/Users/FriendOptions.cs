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
}
