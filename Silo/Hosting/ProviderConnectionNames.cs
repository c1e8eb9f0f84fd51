using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>Names every connection of the Orleans providers (clustering, grain storage, the queue) after the silo
/// that opens it, generation included: Postgres' <c>application_name</c> is "orleansscale silo 10.0.0.5:11111@…".
/// The queue records it with each lease, so that the leases of a silo declared dead can be handed back at once
/// (<see cref="DeadSiloLeases"/>), and <c>pg_stat_activity</c> shows which silo a backend serves. Every provider
/// gets the same name, so they still share one pool. A name given in the connection string is replaced.</summary>
static class ProviderConnectionNames
{
    public static string ApplicationName(SiloAddress silo) => "orleansscale silo " + silo.ToParsableString();

    public static IServiceCollection NameProviderConnectionsAfterTheSilo(this IServiceCollection services)
    {
        Name<AdoNetClusteringSiloOptions>(services, o => o.ConnectionString, (o, value) => o.ConnectionString = value);
        Name<AdoNetGrainStorageOptions>(services, o => o.ConnectionString, (o, value) => o.ConnectionString = value);
        Name<AdoNetStreamOptions>(services, o => o.ConnectionString, (o, value) => o.ConnectionString = value);
        return services;
    }

    // Every named instance too (name null): each storage and stream provider has options of its own name.
    static void Name<TOptions>(IServiceCollection services, Func<TOptions, string?> get, Action<TOptions, string> set)
        where TOptions : class =>
        services.AddSingleton<IPostConfigureOptions<TOptions>>(provider => new PostConfigureOptions<TOptions, ILocalSiloDetails>(
            null, provider.GetRequiredService<ILocalSiloDetails>(), (options, local) =>
            {
                if (get(options) is { Length: > 0 } connectionString)
                    set(options, new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = ApplicationName(local.SiloAddress) }.ConnectionString);
            }));
}
