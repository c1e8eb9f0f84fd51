using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace OrleansScale.Cluster;

/// <summary>Places a grain on the silo whose address is the grain's key, so a per-silo grain
/// reports on the silo it names.</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloKeyedPlacement : PlacementStrategy
{
    public static SiloKeyedPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(SiloKeyedPlacement.Instance);

public sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.ToParsableString() == key)
                return Task.FromResult(silo);
        }
        throw new OrleansException($"Silo {key} is not an active member of the cluster.");
    }
}
