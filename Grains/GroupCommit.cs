namespace OrleansScale;

/// <summary>Group commit for a grain whose calls interleave: every caller whose change is already in
/// memory awaits the next storage write, and callers that arrive while a write is running share the one
/// after it. Under load a grain thus writes once per storage round trip, not once per call, and still
/// acknowledges nothing before it is durable. Use it only from the grain's own scheduler (no locks).</summary>
public sealed class GroupCommit(Func<Task> write)
{
    TaskCompletionSource? next;
    bool writing;

    /// <summary>Completes when a write that started after this call has succeeded.</summary>
    public Task Write()
    {
        if (next is { } waiting)
            return waiting.Task;
        next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mine = next.Task;
        if (!writing)
            _ = Pump();
        return mine;
    }

    async Task Pump()
    {
        writing = true;
        try
        {
            while (next is { } batch)
            {
                next = null;
                try
                {
                    await write();
                    batch.SetResult();
                }
                catch (Exception e)
                {
                    batch.SetException(e);
                }
            }
        }
        finally
        {
            writing = false;
        }
    }
}
