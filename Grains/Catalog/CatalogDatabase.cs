using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansScale.Catalog;

public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>The currency of the listing's price and of the price sort. Products without a price in it
    /// are listed without a price and sort last by price.</summary>
    [Required, RegularExpression("^[A-Z]{3}$")]
    public string ReferenceCurrency { get; set; } = "USD";

    /// <summary>Connections each silo's catalog may hold per server (primary, replica). Bounded so that the
    /// projection of a burst of changes waits for a connection instead of exhausting the server's
    /// max_connections, which the grain storage, the queue and the clustering share.</summary>
    [Range(1, 200)]
    public int MaxConnections { get; set; } = 16;

    /// <summary>Listings one category's registry (or the registry of unfiltered listings) records between
    /// two invalidations. A listing that finds its registry full is served but not cached (X-Cache: miss),
    /// so the registry's stored document stays bounded however many distinct pages are asked for.</summary>
    [Range(1, 100_000)]
    public int MaxListingsPerRegistry { get; set; } = 10_000;
}

/// <summary>Where the catalog read table lives: the projection writes the primary
/// (ConnectionStrings:Postgres); listings read ConnectionStrings:PostgresRead when it is set (a streaming
/// replica), else the primary too.</summary>
public sealed class CatalogDatabase(NpgsqlDataSource primary, NpgsqlDataSource read, bool hasReplica)
{
    public NpgsqlDataSource Primary { get; } = primary;
    public NpgsqlDataSource Read { get; } = read;
    public bool HasReplica { get; } = hasReplica;
}

public static class CatalogSetup
{
    /// <summary>The catalog's options and its primary and read (<c>ConnectionStrings:PostgresRead</c>,
    /// when set) data sources.</summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services, IConfiguration configuration, string primaryConnectionString)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(provider =>
        {
            var maxConnections = provider.GetRequiredService<IOptions<CatalogOptions>>().Value.MaxConnections;
            NpgsqlDataSource Create(string connectionString) =>
                DedicatedPool.Create(connectionString, maxConnections);
            var primary = Create(primaryConnectionString);
            return configuration.GetConnectionString("PostgresRead") is { Length: > 0 } r
                ? new CatalogDatabase(primary, Create(r), hasReplica: true)
                : new CatalogDatabase(primary, primary, hasReplica: false);
        });
        return services;
    }
}
