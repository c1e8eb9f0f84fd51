namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>What this driver has acknowledged per product: the newest version a write returned, and how
/// many reviews are known to exist (201, or 409 after an attempt whose fate was unknown) or may exist
/// (an attempt that failed or timed out). Reads check against the values as they were when sent.</summary>
public sealed class ProductLedger(int count)
{
    readonly long[] ackedVersion = new long[count];
    readonly int[] knownReviews = new int[count];
    readonly int[] ambiguousReviews = new int[count];
    readonly int[] writes = new int[count];

    public int Count => ackedVersion.Length;

    /// <summary>One write in flight per product.</summary>
    public KeyLocks Writers { get; } = new(count);

    public long AckedVersion(int product) => Volatile.Read(ref ackedVersion[product]);

    public void AcknowledgeVersion(int product, long version) => Monotonic.Raise(ref ackedVersion[product], version);

    /// <summary>Reviews the system has confirmed exist: a lower bound for rating.count.</summary>
    public int KnownReviews(int product) => Volatile.Read(ref knownReviews[product]);

    /// <summary>Reviews whose attempt ended without an answer: they may or may not exist.</summary>
    public int AmbiguousReviews(int product) => Volatile.Read(ref ambiguousReviews[product]);

    public void ReviewKnown(int product) => Interlocked.Increment(ref knownReviews[product]);

    public void ReviewAmbiguous(int product, int delta) => Interlocked.Add(ref ambiguousReviews[product], delta);

    /// <summary>Numbers a product's writes, so every write sends a name no earlier write sent.</summary>
    public int NextWriteNumber(int product) => Interlocked.Increment(ref writes[product]);
}
