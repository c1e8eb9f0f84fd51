using Orleans.Runtime.Messaging;

namespace OrleansScale.Tests.Hosting;

/// <summary>Waiting for a condition instead of sleeping for a guessed time.</summary>
public static class Await
{
    /// <summary>Probes until the condition holds. A probe that fails because the cluster is briefly
    /// unreachable (a silo was just killed) counts as "not yet"; any other failure ends the wait.</summary>
    /// <param name="probeTimeout">For probes that only read: one that has not answered by then counts as
    /// "not yet" and is left behind, so a call to a silo just killed (which waits for the whole grain-call
    /// timeout, 30 s, until the cluster declares the silo dead) does not use up the wait.</param>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what,
        TimeSpan? probeTimeout = null)
    {
        if (probeTimeout is { } limit)
        {
            var unbounded = probe;
            probe = () => unbounded().WaitAsync(limit);
        }
        var deadline = DateTime.UtcNow + timeout;
        object? last = null;
        while (true)
        {
            try
            {
                var value = await probe();
                if (done(value))
                    return value;
                last = value;
            }
            catch (Exception e) when (IsTransient(e))
            {
                last = e.Message;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; last value: {last}");
            await Task.Delay(100);
        }
    }

    static bool IsTransient(Exception e) => e is
        OrleansMessageRejectionException or SiloUnavailableException or ConnectionFailedException or TimeoutException
        // A product change refused, with nothing changed, while its registry partition moves to another silo.
        or OrleansScale.Products.ProductCacheUnavailableException;
}
