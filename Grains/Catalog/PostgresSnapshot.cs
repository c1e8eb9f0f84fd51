using System.Globalization;

namespace OrleansScale.Catalog;

/// <summary>Which transactions a PostgreSQL snapshot sees, from the text of <c>pg_current_snapshot()</c>
/// ("xmin:xmax:xip,..."), so a cached result can tell whether it was read after a given change committed.
/// Only snapshots of the primary: on a hot standby the function leaves the running transactions out of the
/// list, and a snapshot there would seem to see changes it does not.</summary>
public readonly record struct PostgresSnapshot(ulong Xmin, ulong Xmax, ulong[] InProgress)
{
    /// <summary>Whether a query with this snapshot saw the work of <paramref name="committedXid"/>, a
    /// transaction known to have committed: it ended before the snapshot was taken.</summary>
    public bool Sees(ulong committedXid) =>
        committedXid < Xmin || (committedXid < Xmax && Array.IndexOf(InProgress, committedXid) < 0);

    public static PostgresSnapshot Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3)
            throw new FormatException($"Not a PostgreSQL snapshot: \"{text}\".");
        var inProgress = parts[2].Length == 0
            ? []
            : Array.ConvertAll(parts[2].Split(','), x => ulong.Parse(x, CultureInfo.InvariantCulture));
        return new PostgresSnapshot(
            ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture), inProgress);
    }
}
