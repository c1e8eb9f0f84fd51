using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansScale.Silo.Hosting;
using OrleansScale.Silo.Schema;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Deployment;

/// <summary>The silo's side of running in a container: Kubernetes hosting only in a pod, an advertised
/// address given by name, and the wait for the schema that orders silos after the migration.</summary>
public sealed class KubernetesHostingTests
{
    static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Kubernetes_hosting_is_off_outside_a_pod()
    {
        Assert.False(KubernetesHosting.IsEnabled(Settings()));
        Assert.False(KubernetesHosting.IsEnabled(Settings(("Silo:SiloPort", "11111"))));
    }

    [Fact]
    public void Kubernetes_hosting_is_on_in_a_pod_unless_switched_off()
    {
        Assert.True(KubernetesHosting.IsEnabled(Settings((KubernetesHosting.PodVariable, "10.0.0.1"))));
        Assert.False(KubernetesHosting.IsEnabled(Settings((KubernetesHosting.PodVariable, "10.0.0.1"), (KubernetesHosting.Setting, "false"))));
        Assert.True(KubernetesHosting.IsEnabled(Settings((KubernetesHosting.Setting, "true"))));
    }

    [Fact]
    public void An_advertised_address_given_as_a_host_name_is_resolved()
    {
        Assert.Equal(IPAddress.Parse("10.1.2.3"), OrleansScaleSilo.AdvertisedAddress("10.1.2.3"));
        Assert.True(IPAddress.IsLoopback(OrleansScaleSilo.AdvertisedAddress("localhost")));
    }

    [Fact]
    public async Task The_wait_for_the_schema_ends_once_the_migration_has_applied_every_script()
    {
        await using var database = await TestDatabase.CreateEmpty("schemawait");
        var shipped = SchemaMigrator.ShippedScripts().Select(s => s.Name).ToList();

        Assert.Equal(shipped, await SchemaMigrator.Missing(database.ConnectionString));
        using (var shortWait = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            Assert.Equal(shipped, await WaitForSchemaCommand.WaitUntilApplied(database.ConnectionString, NullLogger.Instance, shortWait.Token));

        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var waiting = WaitForSchemaCommand.WaitUntilApplied(database.ConnectionString, NullLogger.Instance, budget.Token);
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).Apply(database.ConnectionString);

        Assert.Empty(await waiting);
        Assert.False(budget.IsCancellationRequested);
        Assert.Empty(await SchemaMigrator.Missing(database.ConnectionString));
    }

    [Fact]
    public async Task A_database_missing_one_script_is_not_ready()
    {
        await using var database = await TestDatabase.Create("schemaone");
        var last = SchemaMigrator.ShippedScripts()[^1];
        await database.Execute($"DELETE FROM schema_version WHERE version = {last.Version}");

        Assert.Equal([last.Name], await SchemaMigrator.Missing(database.ConnectionString));
    }
}
