namespace OrleansScale.Api.Admission;

/// <summary>A concurrency limit whose size may change while it is in use: at most <see cref="Limit"/>
/// holders at once, the others waiting in arrival order. Lowering the limit takes effect as holders leave;
/// raising it lets waiters in at once.</summary>
public sealed class AdjustableConcurrencyLimit(int limit)
{
    readonly Lock gate = new();
    readonly LinkedList<TaskCompletionSource<bool>> waiters = new();
    int limit = limit;
    int running;
    bool wasFull;

    public int Limit
    {
        get => Volatile.Read(ref limit);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (gate)
            {
                limit = value;
                LetWaitersIn();
            }
        }
    }

    public int Running => Volatile.Read(ref running);

    public int Waiting
    {
        get { lock (gate) return waiters.Count; }
    }

    /// <summary>Enters at once if there is room; otherwise waits, unless <paramref name="maxWaiting"/> others
    /// already do, for at most <paramref name="maxWait"/>. False when not admitted; a true must be followed by
    /// one <see cref="Exit"/>.</summary>
    public async ValueTask<bool> Enter(int maxWaiting, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> admitted;
        LinkedListNode<TaskCompletionSource<bool>> node;
        lock (gate)
        {
            if (HasRoom)
            {
                running++;
                return true;
            }
            wasFull = true;
            if (LineFull(maxWaiting, maxWait))
                return false;
            admitted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = waiters.AddLast(admitted);
        }
        try
        {
            return await admitted.Task.WaitAsync(maxWait, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (gate)
            {
                // Let in between the timeout and this lock: it holds a place, so give it back.
                if (admitted.Task.IsCompletedSuccessfully)
                {
                    running--;
                    LetWaitersIn();
                }
                else
                {
                    admitted.TrySetResult(false);
                    waiters.Remove(node);
                }
            }
            if (e is OperationCanceledException)
                throw;
            return false;
        }
    }

    /// <summary>Whether <see cref="Enter"/> would refuse at once now: the limit is reached and
    /// <paramref name="maxWaiting"/> others already wait (or none may wait). Counts as the limit holding something
    /// back, as that refusal would.</summary>
    public bool WouldRefuseAtOnce(int maxWaiting, TimeSpan maxWait)
    {
        lock (gate)
        {
            if (HasRoom || !LineFull(maxWaiting, maxWait))
                return false;
            wasFull = true;
            return true;
        }
    }

    // Under the gate, both.
    bool HasRoom => waiters.Count == 0 && running < limit;
    bool LineFull(int maxWaiting, TimeSpan maxWait) => waiters.Count >= maxWaiting || maxWait <= TimeSpan.Zero;

    /// <summary>Whether anyone found the limit full since the last call: whether the limit held anything back.</summary>
    public bool TakeWasFull()
    {
        lock (gate)
        {
            var full = wasFull || waiters.Count > 0;
            wasFull = false;
            return full;
        }
    }

    public void Exit()
    {
        lock (gate)
        {
            running--;
            LetWaitersIn();
        }
    }

    // Under the gate.
    void LetWaitersIn()
    {
        while (running < limit && waiters.First is { } first)
        {
            waiters.RemoveFirst();
            if (first.Value.TrySetResult(true))
                running++;
        }
    }
}
