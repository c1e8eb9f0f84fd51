using OrleansScale.Bench.ClusterLoad.Api;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>
/// Stretches of a phase measured apart: the steady minute before the first cluster event, and each event from its
/// start until it has been over for a while. A request counts in every window its due time falls in, as well as in
/// its phase; the windows are not phases, so the run's totals still count each request once.
/// </summary>
public sealed class EventWindows
{
    readonly List<Window> windows = [];

    /// <summary>Each window as a phase of its own (its operations, latencies and problems), in the order opened.</summary>
    public IReadOnlyList<Phase> All
    {
        get { lock (windows) return [.. windows.Select(w => w.Stats)]; }
    }

    /// <summary>A window from <paramref name="from"/>; until <see cref="Close"/>, or until <paramref name="until"/>.</summary>
    public Phase Open(string name, string description, TimeSpan from, TimeSpan? until = null)
    {
        var window = new Window(new Phase(name, description, from), until);
        if (until is { } end)
            window.Stats.SchedulingDone(end);
        lock (windows)
            windows.Add(window);
        return window.Stats;
    }

    public void Close(Phase stats, TimeSpan until)
    {
        lock (windows)
        {
            var window = windows.Single(w => w.Stats == stats);
            window.Until = until;
            stats.SchedulingDone(until);
        }
    }

    /// <summary>Counts a request due at <paramref name="due"/>: not sent when <paramref name="outcome"/> is null.</summary>
    public void Record(string operation, OperationGroup group, double offeredRate, TimeSpan due, Outcome? outcome, TimeSpan? latency)
    {
        foreach (var window in Containing(due))
        {
            var stats = window.Operation(operation, group, offeredRate);
            stats.CountDue();
            if (outcome is { } ended)
                stats.Record(ended, latency);
            else
                stats.CountNotSentCap();
        }
    }

    List<Window> Containing(TimeSpan due)
    {
        lock (windows)
            return windows.Where(w => due >= w.Stats.StartedAt && (w.Until is not { } end || due < end)).ToList();
    }

    sealed class Window(Phase stats, TimeSpan? until)
    {
        public Phase Stats { get; } = stats;

        public TimeSpan? Until { get; set; } = until;

        public OperationStats Operation(string name, OperationGroup group, double offeredRate)
        {
            lock (this)
                return Stats.Operations.FirstOrDefault(o => o.Name == name)
                    ?? Stats.Add(new OperationStats(name, group, offeredRate));
        }
    }
}
