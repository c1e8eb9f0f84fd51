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
        var name = NameFor(purpose);
        var connectionString = ConnectionStringOf(name);
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).EnsureDatabase(connectionString);
        return new TestDatabase(name, connectionString);
    }

    /// <summary>A new database with the whole schema applied: a copy of a template database that the first call of
    /// the test run migrates (CREATE DATABASE … TEMPLATE copies its files, faster than running every script again
    /// for each test class).</summary>
    public static async Task<TestDatabase> Create(string purpose)
    {
        var template = await Template.Value;
        var name = NameFor(purpose);
        await using var connection = new NpgsqlConnection(Maintenance);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new TestDatabase(name, ConnectionStringOf(name));
    }

    /// <summary>The migrated template of this test run; nothing connects to it after the migration (a copy needs
    /// that), and deploy/test.sh removes the server with it at the end.</summary>
    static readonly Lazy<Task<string>> Template = new(async () =>
    {
        var template = await CreateEmpty("template");
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).Apply(template.ConnectionString);
        await using (var connection = new NpgsqlConnection(template.ConnectionString))
            NpgsqlConnection.ClearPool(connection);
        return template.Name;
    });

    static string Maintenance => new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false }.ConnectionString;

    static string NameFor(string purpose)
    {
        var name = $"t_{purpose.ToLowerInvariant()}_{Guid.NewGuid():N}";
        return name.Length > 63 ? name[..63] : name;
    }

    static string ConnectionStringOf(string name) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;

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

    /// <summary>Drops the database in the background: the next test class need not wait for it, and deploy/test.sh
    /// removes the whole server at the end, with anything a drop cut short left behind.</summary>
    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        _ = Task.Run(Drop);
        return ValueTask.CompletedTask;
    }

    async Task Drop()
    {
        try
        {
            await using var connection = new NpgsqlConnection(Maintenance);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Could not drop the test database {Name}: {e.Message}");
        }
    }
}
