using Orleans.Placement;
using OrleansScale.Queue;

namespace OrleansScale.Cluster;

[GrainType("silo-info"), SiloKeyedPlacement, Immovable]
public sealed class SiloInfoGrain(ILocalSiloDetails silo, QueueMetrics queue) : Grain, ISiloInfoGrain
{
    public ValueTask<ProcessInfo> Get() => ValueTask.FromResult(ProcessInfo.OfCurrentProcess(silo.Name));

    public ValueTask<QueueCounters> GetQueueCounters() => ValueTask.FromResult(queue.Snapshot());
}
