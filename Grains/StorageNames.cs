namespace OrleansScale;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>Write-through storage of every grain's document, in Postgres.</summary>
    public const string Main = "main";

    /// <summary>Storage of activity feeds, in the same Postgres table but in Orleans' compact binary format
    /// rather than JSON with type names: feeds write the most bytes of all grains.</summary>
    public const string Feeds = "feeds";

    /// <summary>Storage of activity streams (each user's own activities), binary like <see cref="Feeds"/>:
    /// every post rewrites its author's stream head.</summary>
    public const string Streams = "streams";
}
