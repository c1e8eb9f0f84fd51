using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Catalog;

/// <summary>A real streaming replica of the test PostgreSQL server (pg_basebackup -R), on a free port of
/// 127.0.0.1, in a temporary folder; removed on dispose. Like deploy/up.sh --replica, at test scale.</summary>
public sealed class StreamingReplica : IAsyncDisposable
{
    readonly string folder;
    readonly string bin;

    StreamingReplica(string folder, string bin, int port, string password)
    {
        this.folder = folder;
        this.bin = bin;
        Port = port;
        Password = password;
    }

    public int Port { get; }
    string Password { get; }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Password = Password, Database = database,
    }.ConnectionString;

    public static async Task<StreamingReplica> Start()
    {
        var bin = Environment.GetEnvironmentVariable("ORLEANSSCALE_PG_BIN") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("ORLEANSSCALE_PG_BIN is not set. Run the tests with deploy/test.sh.");
        var primary = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString);
        var folder = Path.Combine(Path.GetTempPath(), "orleansscale-replica-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var replica = new StreamingReplica(folder, bin, port, primary.Password!);
        await replica.Run("chown", "postgres:", folder);
        await replica.AsPostgres($"PGPASSWORD={primary.Password}", Path.Combine(bin, "pg_basebackup"), "-h", "127.0.0.1",
            "-p", primary.Port.ToString(), "-U", "postgres", "-D", $"{folder}/pgdata", "-R", "-X", "stream");
        await replica.AsPostgres("sh", "-c", $"""
            cat >> {folder}/pgdata/postgresql.auto.conf <<CONF
            port = {port}
            unix_socket_directories = '{folder}'
            shared_buffers = 32MB
            primary_conninfo = 'host=127.0.0.1 port={primary.Port} user=postgres password={primary.Password}'
            CONF
            """);
        await replica.AsPostgres(Path.Combine(bin, "pg_ctl"), "-D", $"{folder}/pgdata", "-l", $"{folder}/postgres.log", "-w", "-t", "60", "start");
        return replica;
    }

    /// <summary>Runs SQL on the replica's copy of a database (pausing and resuming replay, for example).</summary>
    public async Task<T?> Scalar<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await AsPostgres(Path.Combine(bin, "pg_ctl"), "-D", $"{folder}/pgdata", "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // postgres refuses to run as root, so as root the server programs run as the postgres OS user.
    Task AsPostgres(params string[] command) =>
        Environment.UserName == "root"
            ? Run("su", "postgres", "-s", "/bin/sh", "-c", string.Join(' ', new[] { "env" }.Concat(command).Select(Quote)))
            : Run("env", command);

    static string Quote(string s) => "'" + s.Replace("'", "'\"'\"'") + "'";

    async Task Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
