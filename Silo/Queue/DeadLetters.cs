using Npgsql;

namespace OrleansScale.Silo.Queue;

/// <summary>The dead letters of one cluster's queue (provider <see cref="StreamProviders.Queue"/>, table
/// <c>orleans_stream_dead_letter</c>): read with their stream and events, and moved back into their queue through
/// <c>orleans_stream_replay_dead_letters</c> (deploy/sql/0009).</summary>
public sealed class DeadLetters(string connectionString, string serviceId) : IAsyncDisposable
{
    const string Columns = "message_id, queue_id, reason, dequeued, created_on, dead_on, remove_on, payload";

    // A command-line tool's few statements, one after another.
    readonly NpgsqlDataSource database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 2 });
    readonly QueuePayloads payloads = new();

    /// <summary>Every dead letter, oldest death first.</summary>
    public async Task<IReadOnlyList<DeadLetter>> List(CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand($"""
            SELECT {Columns} FROM orleans_stream_dead_letter
            WHERE service_id = $1 AND provider_id = $2
            ORDER BY dead_on, message_id
            """);
        command.Parameters.Add(new() { Value = serviceId });
        command.Parameters.Add(new() { Value = StreamProviders.Queue });
        return await Read(command, cancellationToken);
    }

    /// <summary>Moves the dead letters <paramref name="ids"/> (all of them when null) back into their queues as new
    /// messages, with no attempts used and a fresh <paramref name="expiry"/>. A dead letter moves once: asking again
    /// for one already moved queues nothing and reports its id in <see cref="ReplayResult.NotFound"/>. A dead letter
    /// whose payload cannot be read stays where it is (<see cref="ReplayResult.Undecodable"/>): the silos could not
    /// read it either, and a payload they cannot read fails every message fetched with it.</summary>
    public async Task<ReplayResult> Replay(IReadOnlyCollection<long>? ids, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Lock the chosen dead letters first: what is replayed is exactly what was read, even with silos evicting
        // dead letters or another replay running meanwhile.
        await using var chosen = new NpgsqlCommand($"""
            SELECT {Columns} FROM orleans_stream_dead_letter
            WHERE service_id = $1 AND provider_id = $2 AND ($3::bigint[] IS NULL OR message_id = ANY ($3))
            ORDER BY dead_on, message_id
            FOR UPDATE
            """, connection, transaction);
        chosen.Parameters.Add(new() { Value = serviceId });
        chosen.Parameters.Add(new() { Value = StreamProviders.Queue });
        chosen.Parameters.Add(new() { Value = ids is null ? DBNull.Value : ids.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint });
        var found = await Read(chosen, cancellationToken);

        var movable = found.Where(d => d.Undecodable is null).ToList();
        var moved = new HashSet<long>();
        if (movable.Count > 0)
        {
            await using var replay = new NpgsqlCommand(
                "SELECT message_id FROM orleans_stream_replay_dead_letters($1, $2, $3, $4)", connection, transaction);
            replay.Parameters.Add(new() { Value = serviceId });
            replay.Parameters.Add(new() { Value = StreamProviders.Queue });
            replay.Parameters.Add(new() { Value = movable.Select(d => d.Id).ToArray() });
            replay.Parameters.Add(new() { Value = (int)Math.Ceiling(expiry.TotalSeconds) });
            await using var reader = await replay.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                moved.Add(reader.GetInt64(0));
        }
        await transaction.CommitAsync(cancellationToken);

        var notFound = ids is null ? [] : ids.Distinct().Where(id => found.All(d => d.Id != id)).Order().ToList();
        return new ReplayResult(
            found.Where(d => moved.Contains(d.Id)).ToList(),
            notFound,
            found.Where(d => d.Undecodable is not null).ToList());
    }

    async Task<IReadOnlyList<DeadLetter>> Read(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var payload = payloads.Decode(reader.GetFieldValue<byte[]>(7));
            letters.Add(new DeadLetter(
                Id: reader.GetInt64(0),
                Queue: reader.GetString(1),
                StreamNamespace: payload.StreamNamespace,
                StreamKey: payload.StreamKey,
                EventTypes: payload.EventTypes,
                Reason: reader.GetString(2),
                Attempts: reader.GetInt32(3),
                QueuedAt: reader.GetFieldValue<DateTimeOffset>(4),
                DiedAt: reader.GetFieldValue<DateTimeOffset>(5),
                RemovedAt: reader.GetFieldValue<DateTimeOffset>(6),
                Undecodable: payload.Problem));
        }
        return letters;
    }

    public async ValueTask DisposeAsync()
    {
        payloads.Dispose();
        await database.DisposeAsync();
    }
}

/// <summary>One dead letter. <see cref="Reason"/>: "failed" (its last allowed delivery failed), "abandoned" (handed
/// out its last allowed time and never confirmed nor failed) or "expired" (not delivered before its expiry).
/// <see cref="Attempts"/> counts the deliveries it was handed out for; <see cref="QueuedAt"/> is when it was put on
/// the queue, <see cref="RemovedAt"/> when the silos delete it (Queue:DeadLetterRetention after it died). Stream and
/// events are null and empty when the payload could not be read, and <see cref="Undecodable"/> says why.</summary>
public sealed record DeadLetter(
    long Id,
    string Queue,
    string? StreamNamespace,
    string? StreamKey,
    IReadOnlyList<string> EventTypes,
    string Reason,
    int Attempts,
    DateTimeOffset QueuedAt,
    DateTimeOffset DiedAt,
    DateTimeOffset RemovedAt,
    string? Undecodable);

/// <summary>What a replay did: the dead letters it queued again, the ids asked for that are not dead letters (any
/// more), and the dead letters it left in place because their payload cannot be read.</summary>
public sealed record ReplayResult(IReadOnlyList<DeadLetter> Queued, IReadOnlyList<long> NotFound, IReadOnlyList<DeadLetter> Undecodable);
