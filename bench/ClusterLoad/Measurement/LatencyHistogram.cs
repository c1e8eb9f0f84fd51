using System.Numerics;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>Latencies in microseconds, in log-linear buckets (128 per power of two, so a percentile is
/// within 0.8 % of the true value and never below it), recorded lock-free from any thread. Fixed size
/// (35 KB) whatever the count, so a run can keep one per operation and phase.</summary>
public sealed class LatencyHistogram
{
    const int SubBucketBits = 7;
    const int SubBuckets = 1 << SubBucketBits;
    const int LinearBuckets = 2 * SubBuckets;          // values below 256 µs have a bucket each
    const int MaxBits = 40;                            // 2^40 µs is 12 days: nothing a request waits
    const int BucketCount = LinearBuckets + (MaxBits - SubBucketBits - 1) * SubBuckets;

    readonly long[] counts = new long[BucketCount];
    long count;
    long maxMicroseconds;

    public long Count => Volatile.Read(ref count);

    public TimeSpan Max => TimeSpan.FromMicroseconds(Volatile.Read(ref maxMicroseconds));

    public void Record(TimeSpan latency)
    {
        var micros = Math.Clamp((long)latency.TotalMicroseconds, 0, (1L << MaxBits) - 1);
        Interlocked.Increment(ref counts[IndexOf(micros)]);
        Interlocked.Increment(ref count);
        Monotonic.Raise(ref maxMicroseconds, micros);
    }

    /// <summary>The latency that <paramref name="quantile"/> (0..1) of the recorded ones do not exceed;
    /// null when nothing was recorded.</summary>
    public TimeSpan? Percentile(double quantile)
    {
        var total = Count;
        if (total == 0)
            return null;
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Volatile.Read(ref counts[i]);
            if (seen >= rank)
                return TimeSpan.FromMicroseconds(Math.Min(UpperBoundOf(i), Volatile.Read(ref maxMicroseconds)));
        }
        return Max;
    }

    /// <summary>Adds another histogram's counts to this one (for totals over operations or phases).</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < counts.Length; i++)
            if (Volatile.Read(ref other.counts[i]) is var c and > 0)
                Interlocked.Add(ref counts[i], c);
        Interlocked.Add(ref count, other.Count);
        Monotonic.Raise(ref maxMicroseconds, Volatile.Read(ref other.maxMicroseconds));
    }

    /// <summary>Empties the histogram for reuse; only when nothing records into it meanwhile.</summary>
    public void Clear()
    {
        Array.Clear(counts);
        Volatile.Write(ref count, 0);
        Volatile.Write(ref maxMicroseconds, 0);
    }

    static int IndexOf(long micros)
    {
        if (micros < LinearBuckets)
            return (int)micros;
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)micros) - SubBucketBits;
        return LinearBuckets + (shift - 1) * SubBuckets + (int)(micros >> shift) - SubBuckets;
    }

    static long UpperBoundOf(int index)
    {
        if (index < LinearBuckets)
            return index;
        var shift = (index - LinearBuckets) / SubBuckets + 1;
        var subBucket = (index - LinearBuckets) % SubBuckets + SubBuckets;
        return ((long)(subBucket + 1) << shift) - 1;
    }
}
