using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Silo.Schema;

/// <summary><c>Silo migrate</c>: creates the database if needed and brings its schema up to date,
/// once, before any silo starts (the start command runs it; silos never race to do it).</summary>
static class MigrateCommand
{
    public static bool IsRequested(string[] args) => args is ["migrate", ..];

    public static async Task<int> Run(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args[1..])
            .Build();
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        var logger = loggers.CreateLogger("OrleansScale.Schema");
        try
        {
            var connectionString = PostgresConnection.Required(configuration);
            var migrator = new SchemaMigrator(loggers.CreateLogger<SchemaMigrator>());
            await migrator.EnsureDatabase(connectionString);
            await migrator.Apply(connectionString);
            return 0;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Schema migration failed");
            return 1;
        }
    }
}
