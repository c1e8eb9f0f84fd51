namespace OrleansScale.Bench.ClusterLoad.Scenarios;

/// <summary>A scenario reads its options when made (so a wrong option fails before anything is sent),
/// then runs its phases in a <see cref="Run"/>, printing each phase and its own verdict.</summary>
public interface IScenario
{
    Task RunAsync(Run run, CancellationToken stop);
}
