using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace OrleansScale.Catalog;

public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>The currency of the listing's price and of the price sort. Products without a price in it
    /// are listed without a price and sort last by price.</summary>
    [Required, RegularExpression("^[A-Z]{3}$")]
    public string ReferenceCurrency { get; set; } = "USD";
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
    /// <summary>The catalog's options and its primary and read data sources.</summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(_ =>
        {
            var primary = configuration.GetConnectionString("Postgres") is { Length: > 0 } p
                ? NpgsqlDataSource.Create(p)
                : throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
            return configuration.GetConnectionString("PostgresRead") is { Length: > 0 } r
                ? new CatalogDatabase(primary, NpgsqlDataSource.Create(r), hasReplica: true)
                : new CatalogDatabase(primary, primary, hasReplica: false);
        });
        return services;
    }
}
