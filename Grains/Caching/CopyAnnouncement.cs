using System.Diagnostics;

namespace OrleansScale.Caching;

/// <summary>How a grain announces a change to its registry partition before it writes the change: within a
/// bound, and again when the partition's silo is stopping.</summary>
public static class CopyAnnouncement
{
    /// <summary>How long a change waits for its registry partition to confirm the announcement before it is
    /// refused. A registry that has not answered by now is unreachable (its silo died and it is not yet
    /// activated elsewhere) or the cluster is overloaded: without a bound, the change would wait for the whole
    /// grain call timeout (30 s), past the API's own 5 s.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(4);

    /// <summary>The pause before an announcement goes again after its registry partition's silo refused it.</summary>
    static readonly TimeSpan RegistryMovePause = TimeSpan.FromMilliseconds(100);

    /// <summary>Makes the announcement (<paramref name="announce"/>), again while the partition's silo refuses
    /// it and time is left; throws what the last attempt threw once it cannot be confirmed.</summary>
    public static async Task Send(Func<Task> announce)
    {
        // Real time, not the grain clock that tests move: this bounds how long the caller waits.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var left = Wait - waited.Elapsed;
                await announce().WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                return;
            }
            catch (Exception e) when (e is OrleansMessageRejectionException or SiloUnavailableException
                && waited.Elapsed + RegistryMovePause < Wait)
            {
                // The partition's silo is stopping: Orleans did not deliver the call, and the next one finds
                // the partition activated elsewhere.
                await Task.Delay(RegistryMovePause);
            }
        }
    }
}
