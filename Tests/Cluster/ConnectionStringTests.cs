using Npgsql;
using OrleansScale.Silo.Hosting;

namespace OrleansScale.Tests.Cluster;

/// <summary>The pool the Orleans providers share keeps a floor of connections and has a ceiling
/// (docs/operations.md, "Connection pools"), unless the operator's connection string decides.</summary>
public sealed class ConnectionStringTests
{
    const string Given = "Host=db;Username=app;Password=secret;Database=orleansscale";

    [Fact]
    public void The_providers_pool_keeps_its_floor_by_default()
    {
        var providers = new NpgsqlConnectionStringBuilder(PostgresConnection.ForProviders(Given));
        Assert.Equal(PostgresConnection.ProviderMinPoolSize, providers.MinPoolSize);
        Assert.Equal(PostgresConnection.ProviderMaxPoolSize, providers.MaxPoolSize);
        Assert.Equal("db", providers.Host);
    }

    [Theory]
    [InlineData("Minimum Pool Size=4", 4)]
    [InlineData("MinPoolSize=0", 0)]
    public void A_floor_the_connection_string_gives_is_kept(string setting, int floor) =>
        Assert.Equal(floor, new NpgsqlConnectionStringBuilder(PostgresConnection.ForProviders($"{Given};{setting}")).MinPoolSize);

    [Fact]
    public void The_floor_never_exceeds_a_smaller_maximum() =>
        Assert.Equal(10, new NpgsqlConnectionStringBuilder(PostgresConnection.ForProviders($"{Given};Maximum Pool Size=10")).MinPoolSize);

    [Theory]
    [InlineData("Maximum Pool Size=200", 200)]
    [InlineData("MaxPoolSize=20", 20)]
    public void A_ceiling_the_connection_string_gives_is_kept(string setting, int ceiling) =>
        Assert.Equal(ceiling, new NpgsqlConnectionStringBuilder(PostgresConnection.ForProviders($"{Given};{setting}")).MaxPoolSize);

    [Fact]
    public void The_ceiling_never_falls_below_a_larger_floor() =>
        Assert.Equal(64, new NpgsqlConnectionStringBuilder(PostgresConnection.ForProviders($"{Given};Minimum Pool Size=64")).MaxPoolSize);
}
