using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansScale.Silo.Schema;

/// <summary>Applies the numbered SQL files of deploy/sql (embedded in this assembly) that the database
/// has not seen yet, each in its own transaction, and records them in <c>schema_version</c>. Running it
/// twice changes nothing; an advisory lock makes concurrent runs wait for each other.</summary>
public sealed partial class SchemaMigrator(ILogger<SchemaMigrator> logger)
{
    // Any constant shared by every migrator; it names the lock, nothing else.
    const long MigrationLockKey = 0x0_5CA1E_5C4E3A;

    public sealed record Script(int Version, string Name, string Sql)
    {
        public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
    }

    /// <summary>The scripts shipped with this build, in version order.</summary>
    public static IReadOnlyList<Script> ShippedScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("schema/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n["schema/".Length..^".sql".Length];
                var dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], out var version))
                    throw new InvalidOperationException($"Schema file {n} is not named NNNN-description.sql.");
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return new Script(version, name, reader.ReadToEnd());
            })
            .OrderBy(s => s.Version)
            .ToList();
    }

    /// <summary>Creates the database named in the connection string when it does not exist.</summary>
    public async Task EnsureDatabase(string connectionString, CancellationToken cancellationToken = default)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var database = target.Database ?? throw new InvalidOperationException("The connection string names no Database.");
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = database } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            return;
        try
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            LogDatabaseCreated(database);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Someone else created it between our check and our CREATE: what we wanted.
        }
    }

    /// <summary>Applies every shipped script the database lacks; returns the versions applied now.</summary>
    public async Task<IReadOnlyList<int>> Apply(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await Execute(connection, null, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            await Execute(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_version (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var applied = await AppliedVersions(connection, cancellationToken);
            var appliedNow = new List<int>();
            foreach (var script in ShippedScripts())
            {
                if (applied.TryGetValue(script.Version, out var checksum))
                {
                    if (checksum != script.Checksum)
                        LogChangedAfterApply(script.Name);
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await Execute(connection, transaction, script.Sql, cancellationToken);
                await using var record = new NpgsqlCommand(
                    "INSERT INTO schema_version (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction)
                {
                    Parameters = { new() { Value = script.Version }, new() { Value = script.Name }, new() { Value = script.Checksum } },
                };
                await record.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                LogApplied(script.Name);
                appliedNow.Add(script.Version);
            }
            if (appliedNow.Count == 0)
                LogUpToDate();
            return appliedNow;
        }
        finally
        {
            await Execute(connection, null, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>The shipped scripts the database has not recorded as applied, by name; all of them when it has
    /// no <c>schema_version</c> table yet. Reads only: it takes no lock and changes nothing.</summary>
    public static async Task<IReadOnlyList<string>> Missing(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection);
        var applied = await exists.ExecuteScalarAsync(cancellationToken) is true
            ? await AppliedVersions(connection, cancellationToken)
            : [];
        return [.. ShippedScripts().Where(s => !applied.ContainsKey(s.Version)).Select(s => s.Name)];
    }

    static async Task<Dictionary<int, string>> AppliedVersions(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM schema_version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken))
            versions[reader.GetInt32(0)] = reader.GetString(1);
        return versions;
    }

    static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database}")]
    partial void LogDatabaseCreated(string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema script {Script}")]
    partial void LogApplied(string script);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is up to date")]
    partial void LogUpToDate();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema script {Script} changed after it was applied; the change is not applied. Add a new numbered script instead.")]
    partial void LogChangedAfterApply(string script);
}
