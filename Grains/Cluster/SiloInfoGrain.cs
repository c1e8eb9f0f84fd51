using Orleans.Placement;

namespace OrleansScale.Cluster;

[GrainType("silo-info"), SiloKeyedPlacement, Immovable]
public sealed class SiloInfoGrain(ILocalSiloDetails silo) : Grain, ISiloInfoGrain
{
    public ValueTask<ProcessInfo> Get() => ValueTask.FromResult(ProcessInfo.OfCurrentProcess(silo.Name));
}
