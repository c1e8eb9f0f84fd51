using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansScale.Products;

namespace OrleansScale.Silo.Queue;

/// <summary>Reads the payload of a queue message (live or dead) with Orleans' own serializer, set up with the
/// project's grain assemblies, so the stream and the events of a message show as the silos would see them.</summary>
/// <remarks>The ADO.NET stream provider stores a message as its internal <c>AdoNetBatchContainer</c>
/// (dotnet/orleans, src/AdoNet/Orleans.Streaming.AdoNet/AdoNetBatchContainer.cs), serialized with
/// <c>Serializer&lt;AdoNetBatchContainer&gt;</c>. A value serialized as its own declared type carries no type name
/// on the wire (Orleans.Serialization, Buffers/Writer.FieldHeader.cs: the "expected" schema), and Orleans reads
/// fields by their <c>[Id]</c>, skipping the ones a type does not declare. So <see cref="StoredBatch"/>, a public
/// type with the container's field ids, decodes the payload through the public <see cref="Serializer{T}"/>: no
/// reflection over the provider's internals. The provider's own <c>IBatchContainer.GetEvents</c> cannot serve,
/// as it refuses a container read without the provider's sequence token.</remarks>
public sealed class QueuePayloads : IDisposable
{
    readonly ServiceProvider services;
    readonly Serializer<StoredBatch> serializer;

    public QueuePayloads()
    {
        services = new ServiceCollection()
            .AddSerializer(serializer => serializer
                .AddAssembly(typeof(StoredBatch).Assembly)      // this reader
                .AddAssembly(typeof(StreamId).Assembly)         // Orleans.Streaming: the stream id
                .AddAssembly(typeof(ProductChanged).Assembly)   // Grains.Interfaces: events such as ProductChanged
                .AddAssembly(typeof(StorageNames).Assembly))    // Grains: events such as JobQueued, ArticleChanged
            .BuildServiceProvider();
        serializer = services.GetRequiredService<Serializer<StoredBatch>>();
    }

    /// <summary>The stream and events of <paramref name="payload"/>, or why they cannot be read (a payload written
    /// by another version of the provider, or an event type this build does not know).</summary>
    public DecodedPayload Decode(byte[] payload)
    {
        try
        {
            var batch = serializer.Deserialize(payload);
            if (batch?.Events is not { } events)
                return DecodedPayload.Undecodable("the payload holds no event batch");
            return new DecodedPayload(batch.StreamId.GetNamespace(), batch.StreamId.GetKeyAsString(),
                events.Select(e => e?.GetType().Name ?? "null").ToList(), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Orleans reports a malformed or unknown payload through several exception types; all mean the same here.
            return DecodedPayload.Undecodable($"{e.GetType().Name}: {FirstLine(e.Message)}");
        }
    }

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    public void Dispose() => services.Dispose();
}

/// <summary>A queue message's payload as read by <see cref="QueuePayloads"/>: its stream and the type names of its
/// events, or <see cref="Problem"/> when it could not be read.</summary>
public sealed record DecodedPayload(string? StreamNamespace, string? StreamKey, IReadOnlyList<string> EventTypes, string? Problem)
{
    public static DecodedPayload Undecodable(string problem) => new(null, null, [], problem);
}

/// <summary>The fields of the ADO.NET stream provider's <c>AdoNetBatchContainer</c> that say what a message is for,
/// under the same field ids (see <see cref="QueuePayloads"/>). Its other fields (request context, sequence token,
/// receipt) are skipped when read.</summary>
[GenerateSerializer]
public sealed class StoredBatch
{
    [Id(0)] public StreamId StreamId { get; set; }

    [Id(1)] public List<object>? Events { get; set; }
}
