using Orleans.Metadata;

namespace OrleansScale.Cluster;

/// <summary>Answers whether some silo of the cluster implements a grain contract. Features are
/// developed and deployed separately; a feature that reaches into another one (an export that lists
/// friends, a publication that posts an activity) uses this to leave that part out, rather than fail,
/// while the other feature is not deployed. Answers from the cluster manifest, so it changes as soon
/// as a silo with the implementation joins.</summary>
public sealed class DeployedGrains(
    GrainInterfaceTypeResolver interfaces,
    GrainInterfaceTypeToGrainTypeResolver implementations)
{
    public bool Implements<TGrainInterface>() where TGrainInterface : IAddressable =>
        implementations.TryGetGrainType(interfaces.GetGrainInterfaceType(typeof(TGrainInterface)), out _);
}
