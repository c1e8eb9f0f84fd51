using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansScale.Silo.Schema;

namespace OrleansScale.Tests.Hosting;

/// <summary>A database of its own for one test class, on the real PostgreSQL server that
/// deploy/test.sh starts (ORLEANSSCALE_TEST_POSTGRES), with the project's schema applied.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ORLEANSSCALE_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "ORLEANSSCALE_TEST_POSTGRES is not set. Run the tests with deploy/test.sh, which starts PostgreSQL.");

    /// <summary>An empty database with no schema yet.</summary>
    public static async Task<TestDatabase> CreateEmpty(string purpose)
    {
        var name = $"t_{purpose.ToLowerInvariant()}_{Guid.NewGuid():N}";
        if (name.Length > 63)
            name = name[..63];
        var connectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).EnsureDatabase(connectionString);
        return new TestDatabase(name, connectionString);
    }

    /// <summary>A new database with the whole schema applied.</summary>
    public static async Task<TestDatabase> Create(string purpose)
    {
        var database = await CreateEmpty(purpose);
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).Apply(database.ConnectionString);
        return database;
    }

    public async Task<T?> Scalar<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
