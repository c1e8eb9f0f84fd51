namespace OrleansScale.Caching;

/// <summary>The timing of every kind of announced copy in the API processes (products, sessions): how long a
/// subscription to a registry partition lasts, and how long a lease lets its holder serve copies.</summary>
public static class CopyLeases
{
    /// <summary>How long a subscription lasts without renewal.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(10);

    /// <summary>How long a subscriber may serve copies after it sent the renewal that granted its lease.
    /// A registry that drops a subscriber waits this long after that subscriber's last renewal arrived
    /// before it confirms the change, and a new registry activation waits this long before it confirms any,
    /// so a copy that missed an announcement is never served after the change is acknowledged.</summary>
    public static readonly TimeSpan ServeFor = TimeSpan.FromSeconds(2);
}

/// <summary>Which registry partition a key's changes are announced to. The same on every silo and API
/// process: a stable hash of the key (FNV-1a over its UTF-16 code units), not <see cref="string.GetHashCode()"/>,
/// which differs per process.</summary>
public static class CopyPartition
{
    public static int Of(string key, int partitions)
    {
        var hash = 2166136261u;
        foreach (var c in key)
            hash = (hash ^ c) * 16777619u;
        return (int)(hash % (uint)partitions);
    }
}
