using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Storage;

/// <summary>Reads what grain storage holds, as stored: the rows of <c>orleans_storage</c> and their payload's
/// length before the database compresses it. The row's <c>grain_type</c> is the state name; a string grain
/// key is in <c>grain_id_extension</c>, except a key of 32 hex digits, which the provider stores as a GUID in
/// <c>grain_id_n0</c> and <c>grain_id_n1</c>.</summary>
public sealed class StoredDocuments(ClusterFixture fixture)
{
    /// <summary>The stored payload's length in bytes, or null when the grain has no row for this state.</summary>
    public Task<int?> Bytes(string stateName, string key) => fixture.Database.Scalar<int?>(
        $"SELECT octet_length(payload) FROM orleans_storage WHERE grain_type = '{stateName}' AND {KeyCondition(key)}");

    static string KeyCondition(string key)
    {
        if (!Guid.TryParseExact(key, "N", out var guid))
            return $"grain_id_extension = '{key}'";
        var bytes = guid.ToByteArray();
        return $"grain_id_n0 = {BitConverter.ToInt64(bytes, 0)} AND grain_id_n1 = {BitConverter.ToInt64(bytes, 8)} AND grain_id_extension IS NULL";
    }

    static string Key(long n0, long n1, string? extension)
    {
        if (extension is not null)
            return extension;
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), n0);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), n1);
        return new Guid(bytes).ToString("N");
    }

    /// <summary>The stored payload's length, failing when there is no row.</summary>
    public async Task<int> ExistingBytes(string stateName, string key) =>
        await Bytes(stateName, key) ?? throw new Xunit.Sdk.XunitException($"No stored \"{stateName}\" document for {key}.");

    /// <summary>Every stored document of this cluster: state name, key and payload length.</summary>
    public async Task<List<(string State, string Key, int Bytes)>> All()
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT grain_type, grain_id_n0, grain_id_n1, grain_id_extension, coalesce(octet_length(payload), 0) FROM orleans_storage", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, int)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetString(0), Key(reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)), reader.GetInt32(4)));
        return rows;
    }

    /// <summary>A silo's grain storage of this name, to write a document as an earlier version of the code did.</summary>
    public IGrainStorage Storage(string name) =>
        fixture.Cluster.Silos.OfType<InProcessSiloHandle>().First().SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(name);

    /// <summary>Stores the grain's row again, as another writer would (a second activation during a failover,
    /// say): an activation that read the row before now holds a stale version.</summary>
    public async Task WriteAsAnotherWriter<T>(string grainType, string key) where T : new()
    {
        var storage = Storage(StorageNames.Main);
        var row = new GrainState<T>(new T());
        await storage.ReadStateAsync(grainType, GrainId.Create(grainType, key), row);
        await storage.WriteStateAsync(grainType, GrainId.Create(grainType, key), row);
    }
}
