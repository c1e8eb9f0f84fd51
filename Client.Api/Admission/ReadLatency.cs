namespace OrleansScale.Api.Admission;

/// <summary>How long this API server's reads take: every GET under /api is counted in a histogram of
/// logarithmic buckets (four per doubling, from 50 µs to about a minute), so recording costs one interlocked
/// increment and a percentile over any span is the difference of two snapshots.</summary>
public sealed class ReadLatency
{
    const double SmallestMs = 0.05;
    const int BucketsPerDoubling = 4;
    const int Buckets = 21 * BucketsPerDoubling;

    readonly long[] counts = new long[Buckets];

    public void Record(TimeSpan elapsed)
    {
        var ms = Math.Max(elapsed.TotalMilliseconds, SmallestMs);
        var bucket = Math.Min((int)(Math.Log2(ms / SmallestMs) * BucketsPerDoubling), Buckets - 1);
        Interlocked.Increment(ref counts[bucket]);
    }

    /// <summary>The counts so far; two snapshots give the reads between them.</summary>
    public long[] Snapshot()
    {
        var copy = new long[Buckets];
        for (var i = 0; i < Buckets; i++)
            copy[i] = Volatile.Read(ref counts[i]);
        return copy;
    }

    /// <summary>The reads counted between two snapshots, and the latency that the given fraction of them
    /// stayed under (the upper edge of its bucket, so at most a fifth too high).</summary>
    public static (long Reads, TimeSpan Quantile) Between(long[] before, long[] after, double fraction)
    {
        long reads = 0;
        for (var i = 0; i < Buckets; i++)
            reads += after[i] - before[i];
        if (reads == 0)
            return (0, TimeSpan.Zero);
        var wanted = (long)Math.Ceiling(reads * fraction);
        long seen = 0;
        var bucket = 0;
        for (; bucket < Buckets - 1; bucket++)
        {
            seen += after[bucket] - before[bucket];
            if (seen >= wanted)
                break;
        }
        return (reads, TimeSpan.FromMilliseconds(SmallestMs * Math.Pow(2, (bucket + 1) / (double)BucketsPerDoubling)));
    }
}
