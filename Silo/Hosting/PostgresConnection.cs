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
        var given = Given(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
            builder.MaxAutoPrepare = 32;
        if (!given.Contains("NoResetOnClose"))
            builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>How many connections the Orleans providers' pool keeps however long they sit idle.</summary>
    public const int ProviderMinPoolSize = 32;

    /// <summary>How many connections the Orleans providers' pool opens at most. Npgsql's 100 let a stopping silo,
    /// whose every activation writes its state at once, open dozens of connections while the silos taking
    /// over its grains held theirs: with three silos under load Postgres refused connections ("too many
    /// clients"), and grain writes failed. A silo opens at most this plus its small pools (docs/operations.md,
    /// "Connection pools"); a statement waits for a free connection rather than failing.</summary>
    public const int ProviderMaxPoolSize = 48;

    /// <summary>The connection string of the pool the Orleans providers share (clustering, grain storage, the
    /// queue): it keeps <see cref="ProviderMinPoolSize"/> connections and opens at most
    /// <see cref="ProviderMaxPoolSize"/> unless the configured string says otherwise. Npgsql closes, every Connection Idle Lifetime (300 s), as many connections as were idle at
    /// the median of its 10-second samples; under a sustained load those are connections the next burst needs
    /// again, and a silo opened some 20 at once: a backend process, a SCRAM handshake and re-prepared
    /// statements each, about 50 ms of CPU, which stalled both cores of the machine for a second every five
    /// minutes (docs/operations.md, "Connection pools").</summary>
    public static string ForProviders(string connectionString)
    {
        var given = Given(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Overlaps(["MaximumPoolSize", "MaxPoolSize"]))
            builder.MaxPoolSize = Math.Max(ProviderMaxPoolSize, builder.MinPoolSize);
        if (!given.Overlaps(["MinimumPoolSize", "MinPoolSize"]))
            builder.MinPoolSize = Math.Min(ProviderMinPoolSize, builder.MaxPoolSize);
        return builder.ConnectionString;
    }

    static HashSet<string> Given(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "")).ToHashSet(StringComparer.OrdinalIgnoreCase);
}
