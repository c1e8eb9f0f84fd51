using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using OrleansScale.Silo.Schema;
using static OrleansScale.Tests.Deployment.DeploymentFiles;

namespace OrleansScale.Tests.Deployment;

/// <summary>What docs/kubernetes.md promises of deploy/compose.yaml: the order of start, the images of
/// deploy/images.sh, settings from the environment only.</summary>
public sealed class ComposeFileTests
{
    static readonly YamlMappingNode Services = Load();

    static YamlMappingNode Load()
    {
        using var reader = new StreamReader(Path.Combine(RepositoryRoot, "deploy", "compose.yaml"));
        var stream = new YamlStream();
        // Compose files share settings through anchors and merge keys ("<<: *postgres").
        stream.Load(new MergingParser(new Parser(reader)));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents.Single().RootNode)["services"];
    }

    static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    static string? Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
                return null;
            node = next;
        }
        return (node as YamlScalarNode)?.Value;
    }

    static IEnumerable<string> Silos => Services.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!).Where(k => k.StartsWith("silo", StringComparison.Ordinal));

    [Fact]
    public void Two_silos_start_only_after_the_migration_has_succeeded_which_waits_for_postgres()
    {
        var migrate = Service("migrate");

        Assert.True(MigrateCommand.IsRequested([.. ((YamlSequenceNode)migrate["command"]).Cast<YamlScalarNode>().Select(n => n.Value!)]));
        Assert.Equal("service_healthy", Scalar(migrate, "depends_on", "postgres", "condition"));
        Assert.Equal(2, Silos.Count());
        Assert.All(Silos, silo => Assert.Equal("service_completed_successfully", Scalar(Service(silo), "depends_on", "migrate", "condition")));
        Assert.All(Silos, silo => Assert.Equal("service_started", Scalar(Service("api"), "depends_on", silo, "condition")));
    }

    [Fact]
    public void Each_silo_advertises_the_name_the_others_reach_it_by()
    {
        Assert.All(Silos, silo =>
        {
            Assert.Equal(silo, Scalar(Service(silo), "environment", "Silo__AdvertisedIp"));
            Assert.Equal(silo, Scalar(Service(silo), "environment", "Silo__Name"));
        });
    }

    [Fact]
    public void Our_services_run_the_built_images_as_their_own_user_configured_by_environment_only()
    {
        foreach (var name in Silos.Append("migrate").Append("api"))
        {
            var service = Service(name);
            var image = Scalar(service, "image")!;
            Assert.Matches(@"^orleansscale/(silo|api):\$\{ORLEANSSCALE_TAG", image);
            Assert.Contains("Password=${POSTGRES_PASSWORD", Scalar(service, "environment", "ConnectionStrings__Postgres"), StringComparison.Ordinal);
            // No user override: the image's own (ContainerUser, not root) applies; no files mounted.
            Assert.Null(Scalar(service, "user"));
            Assert.False(service.Children.ContainsKey(new YamlScalarNode("volumes")), name);
            Assert.False(service.Children.ContainsKey(new YamlScalarNode("env_file")), name);
        }
    }

    [Fact]
    public void The_api_is_published_on_the_port_it_listens_on()
    {
        var api = Service("api");
        var listensOn = new Uri(Scalar(api, "environment", "Urls")!.Replace("+", "localhost", StringComparison.Ordinal)).Port;

        Assert.EndsWith($":{listensOn}", ((YamlScalarNode)((YamlSequenceNode)api["ports"]).Single()).Value, StringComparison.Ordinal);
    }
}
