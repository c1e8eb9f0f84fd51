using OrleansScale.Bench.ClusterLoad.Api;

namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>At most one request in flight per key (a product being written, a session's cart, an
/// article): the model of a key is then changed by one answer at a time, and "the previous acknowledged
/// version" is well defined.</summary>
public sealed class KeyLocks(int count)
{
    const int RandomProbes = 8;

    readonly int[] busy = new int[count];

    public int Count => busy.Length;

    public bool TryTake(int key) => Interlocked.CompareExchange(ref busy[key], 1, 0) == 0;

    /// <summary>A free key, picked uniformly while most are free; when few are, a scan finds one of them.
    /// False when every key is taken.</summary>
    public bool TryTakeAny(out int key)
    {
        for (var probe = 0; probe < RandomProbes; probe++)
        {
            key = Random.Shared.Next(busy.Length);
            if (TryTake(key))
                return true;
        }
        var start = Random.Shared.Next(busy.Length);
        for (var i = 0; i < busy.Length; i++)
        {
            key = (start + i) % busy.Length;
            if (TryTake(key))
                return true;
        }
        key = -1;
        return false;
    }

    public void Release(int key) => Volatile.Write(ref busy[key], 0);

    /// <summary>Runs <paramref name="body"/> holding a free key, released when it ends;
    /// <see cref="Outcome.KeyBusy"/> when every key is taken.</summary>
    public async Task<Outcome> WithAnyAsync(Func<int, Task<Outcome>> body)
    {
        if (!TryTakeAny(out var key))
            return Outcome.KeyBusy;
        try
        {
            return await body(key);
        }
        finally
        {
            Release(key);
        }
    }
}
