namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>Values that only grow (acknowledged versions, a maximum), raised from any thread.</summary>
public static class Monotonic
{
    /// <summary>Sets <paramref name="target"/> to <paramref name="value"/> unless it already holds more.</summary>
    public static void Raise(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }
}
