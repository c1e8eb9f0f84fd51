using Microsoft.Extensions.Configuration;

namespace OrleansScale.Silo.Hosting;

static class PostgresConnection
{
    /// <summary>The Npgsql invariant every Orleans ADO.NET provider needs; they default to SQL Server.</summary>
    public const string Invariant = "Npgsql";

    public static string Required(IConfiguration configuration) =>
        configuration.GetConnectionString("Postgres") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Give it in appsettings.json or as the environment variable ConnectionStrings__Postgres.");
}
