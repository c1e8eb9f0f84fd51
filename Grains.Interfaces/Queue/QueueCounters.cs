namespace OrleansScale.Queue;

/// <summary>What one silo has done with the queue since it started, per stream namespace: events produced
/// (published for the first time), messages published (first times and repeats together, so
/// <see cref="NamespaceCounters.Published"/> / <see cref="NamespaceCounters.Produced"/> is the amplification),
/// and the deliveries to each consumer.</summary>
[GenerateSerializer, Immutable]
public sealed record QueueCounters(
    [property: Id(0)] IReadOnlyList<NamespaceCounters> Namespaces);

[GenerateSerializer, Immutable]
public sealed record NamespaceCounters(
    [property: Id(0)] string Namespace,
    [property: Id(1)] long Produced,
    [property: Id(2)] long Published,
    [property: Id(3)] IReadOnlyList<ConsumerCounters> Consumers);

/// <param name="Consumer">The consuming grain type.</param>
/// <param name="Delivered">Messages the consumer finished.</param>
/// <param name="Failed">Messages of deliveries that threw, including the timed-out ones.</param>
/// <param name="TimedOut">Messages of deliveries cancelled at <c>Queue:ConsumerTimeout</c>.</param>
[GenerateSerializer, Immutable]
public sealed record ConsumerCounters(
    [property: Id(0)] string Consumer,
    [property: Id(1)] long Delivered,
    [property: Id(2)] long Failed,
    [property: Id(3)] long TimedOut);
