using OrleansScale.Bench.ClusterLoad.Queue;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>One named stretch of a run (a ramp step, the quiet reads, the overload, the drain, the end
/// checks) and everything measured in it. A request belongs to the phase it was due in, even when its
/// answer comes after the phase ended; <see cref="WhenQuiet"/> says when the last one has.</summary>
public sealed class Phase(string name, string description, TimeSpan startedAt)
{
    readonly List<OperationStats> operations = [];
    readonly TaskCompletionSource quiet = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int pending = 1; // the phase's own scheduling counts until SchedulingDone
    int schedulingDone;

    public string Name { get; } = name;

    public string Description { get; set; } = description;

    public TimeSpan StartedAt { get; } = startedAt;

    /// <summary>When the phase stopped sending (its answers may still be arriving).</summary>
    public TimeSpan? EndedAt { get; private set; }

    public TimeSpan Duration => (EndedAt ?? StartedAt) - StartedAt;

    /// <summary>Set when the phase was cut short (the ramp stopped, or the run was interrupted).</summary>
    public bool Aborted { get; set; }

    public IReadOnlyList<OperationStats> Operations
    {
        get { lock (operations) return [.. operations]; }
    }

    public QueueSnapshot? QueueAtStart { get; set; }

    public QueueSnapshot? QueueAtEnd { get; set; }

    /// <summary>For reviews acknowledged in this phase: from the acknowledgement until the review's
    /// activity was first seen in a watched friend's feed.</summary>
    public LatencyHistogram FeedLag { get; } = new();

    public OperationStats Add(OperationStats stats)
    {
        lock (operations)
            operations.Add(stats);
        return stats;
    }

    /// <summary>The stats of the named operation, made on first use (for checks and closed loops).</summary>
    public OperationStats Stats(string operation, OperationGroup group)
    {
        lock (operations)
        {
            var found = operations.Find(o => o.Name == operation);
            if (found is null)
                operations.Add(found = new OperationStats(operation, group, 0));
            return found;
        }
    }

    public void RequestStarted() => Interlocked.Increment(ref pending);

    public void RequestEnded()
    {
        if (Interlocked.Decrement(ref pending) == 0)
            quiet.TrySetResult();
    }

    /// <summary>No more requests will start in this phase; the first call counts.</summary>
    public void SchedulingDone(TimeSpan at)
    {
        if (Interlocked.Exchange(ref schedulingDone, 1) == 1)
            return;
        EndedAt = at;
        RequestEnded();
    }

    /// <summary>Completes when the phase has stopped sending and every request it sent has ended.</summary>
    public Task WhenQuiet => quiet.Task;
}
