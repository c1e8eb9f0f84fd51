namespace OrleansScale.Tests.Hosting;

/// <summary>Tests that kill a silo while a fan-out runs and then wait for the queue to hand its work out
/// again. Their timing (consumer deadlines of seconds, leases of 16 s) holds on a quiet machine; with every
/// other test class running beside them on two cores, a redelivery overran its deadline often enough to fail
/// a run. They run after the others, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SiloFailureCollection
{
    public const string Name = "silo failures, run alone";
}
