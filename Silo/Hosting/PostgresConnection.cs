using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace OrleansScale.Silo.Hosting;

static class PostgresConnection
{
    /// <summary>The Npgsql invariant every Orleans ADO.NET provider needs; they default to SQL Server.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The connection string of the primary, with defaults for the providers' traffic where the
    /// configured string leaves them open.</summary>
    public static string Required(IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres") is { Length: > 0 } value
            ? WithProviderDefaults(value)
            : throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Give it in appsettings.json or as the environment variable ConnectionStrings__Postgres.");

    // The providers open a pooled connection for every statement and run a handful of statements over and
    // over: preparing them saves the server a parse and plan each time, and skipping the state reset on
    // return to the pool saves a round trip (they change no session state).
    static string WithProviderDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "")).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
            builder.MaxAutoPrepare = 32;
        if (!given.Contains("NoResetOnClose"))
            builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }
}
