using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>One kind of request of the mixed workload: picks its keys, sends, and checks the answer
/// against what this driver had acknowledged before sending.</summary>
public abstract class Operation(string name, OperationGroup group)
{
    /// <summary>As the command line names it (<c>--mix</c>, <c>--reads</c>) and the summary shows it.</summary>
    public string Name { get; } = name;

    public OperationGroup Group { get; } = group;

    /// <summary>Runs one request (sign-in: two) and says how it ended: <see cref="Outcome.KeyBusy"/> when
    /// no key was free, so nothing was sent. Must not throw for anything the system does.</summary>
    public abstract Task<Outcome> ExecuteAsync(Phase phase);
}
