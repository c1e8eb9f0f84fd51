using k8s.Models;
using Orleans.Hosting.Kubernetes;
using OrleansScale.Api.Hosting;
using OrleansScale.Silo.Hosting;
using OrleansScale.Silo.Schema;
using static OrleansScale.Tests.Deployment.DeploymentFiles;

namespace OrleansScale.Tests.Deployment;

/// <summary>What docs/kubernetes.md promises of deploy/kubernetes, checked against the code it deploys.</summary>
public sealed class KubernetesManifestTests
{
    [Fact]
    public void Every_manifest_reads_as_Kubernetes_objects_with_no_unknown_field()
    {
        var resources = Resources();

        Assert.Contains(resources, r => r is V1Deployment);
        Assert.All(resources, r => Assert.False(string.IsNullOrEmpty(r.ApiVersion)));
        var listed = File.ReadAllLines(Path.Combine(ManifestFolder, "kustomization.yaml"))
            .Select(l => l.Trim()).Where(l => l.StartsWith("- ", StringComparison.Ordinal) && l.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(l => l[2..]).Order();
        Assert.Equal(ManifestFiles().Select(Path.GetFileName).Order(), listed);
    }

    [Fact]
    public void The_API_probes_are_the_health_routes_it_maps_on_the_port_it_listens_on()
    {
        var api = ApiDeployment.Spec.Template.Spec.Containers.Single();
        var listensOn = new Uri(Env(api, "Urls")!.Replace("+", "localhost", StringComparison.Ordinal)).Port;

        Assert.Equal(ApiDefaults.LivePath, api.LivenessProbe.HttpGet.Path);
        Assert.Equal(ApiDefaults.ReadyPath, api.ReadinessProbe.HttpGet.Path);
        Assert.Equal(ApiDefaults.LivePath, api.StartupProbe.HttpGet.Path);
        Assert.All(new[] { api.LivenessProbe, api.ReadinessProbe, api.StartupProbe },
            probe => Assert.Equal(listensOn, ProbePort(api, probe.HttpGet.Port)));
        // The image's own default and the port it declares are the same one.
        var project = Project("Client.Api/Client.Api.csproj");
        Assert.Equal(Env(api, "Urls"), Items(project, "ContainerEnvironmentVariable").Single(e => (string?)e.Attribute("Include") == "Urls").Attribute("Value")!.Value);
        Assert.Contains(listensOn.ToString(), Items(project, "ContainerPort").Select(p => (string?)p.Attribute("Include")));
    }

    [Fact]
    public void The_API_service_and_autoscaler_point_at_the_API_pods()
    {
        var service = Single<V1Service>("orleansscale-api");
        var autoscaler = Single<V2HorizontalPodAutoscaler>("orleansscale-api");
        var api = ApiDeployment.Spec.Template.Spec.Containers.Single();

        Assert.All(service.Spec.Selector, label => Assert.Equal(label.Value, ApiDeployment.Spec.Template.Metadata.Labels[label.Key]));
        Assert.Equal(8080, ProbePort(api, service.Spec.Ports.Single().TargetPort));
        Assert.Equal(("Deployment", ApiDeployment.Metadata.Name), (autoscaler.Spec.ScaleTargetRef.Kind, autoscaler.Spec.ScaleTargetRef.Name));
        Assert.True(autoscaler.Spec.MinReplicas >= 2);
        // A CPU utilisation target is a share of the request: without one the autoscaler cannot act.
        Assert.NotNull(api.Resources.Requests["cpu"]);
    }

    [Fact]
    public void The_silo_probes_and_ports_are_the_ones_the_silo_listens_on()
    {
        var silo = Silos.Spec.Template.Spec.Containers.Single();
        var siloPort = int.Parse(Env(silo, "Silo__SiloPort")!);
        var gatewayPort = int.Parse(Env(silo, "Silo__GatewayPort")!);

        Assert.Equal((new SiloEndpointOptions().SiloPort, new SiloEndpointOptions().GatewayPort), (siloPort, gatewayPort));
        Assert.Equal(siloPort, ProbePort(silo, silo.LivenessProbe.TcpSocket.Port));
        Assert.Equal(siloPort, ProbePort(silo, silo.StartupProbe.TcpSocket.Port));
        Assert.Equal(gatewayPort, ProbePort(silo, silo.ReadinessProbe.TcpSocket.Port));
        Assert.Equal(["11111", "30000"], Items(Project("Silo/Silo.csproj"), "ContainerPort").Select(p => (string)p.Attribute("Include")!).Order());
        // Others reach the silo at its pod's address, and it listens on every interface.
        Assert.Equal("status.podIP", FieldRef(silo, KubernetesHostingOptions.PodIPEnvironmentVariable));
        Assert.Equal($"$({KubernetesHostingOptions.PodIPEnvironmentVariable})", Env(silo, "Silo__AdvertisedIp"));
        Assert.Equal("true", Env(silo, "Silo__ListenOnAnyHostAddress"));
    }

    [Fact]
    public void Silos_roll_one_at_a_time_and_are_disrupted_one_at_a_time()
    {
        var rolling = Silos.Spec.Strategy.RollingUpdate;
        var budget = Single<V1PodDisruptionBudget>("orleansscale-silo");

        Assert.Equal("RollingUpdate", Silos.Spec.Strategy.Type);
        Assert.Equal("0", rolling.MaxUnavailable.Value);
        Assert.Equal("1", rolling.MaxSurge.Value);
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, Silos.Spec.Template.Metadata.Labels[label.Key]));
        // The pod may take as long to stop as the silo's host allows itself (drain timeout + 50 s).
        Assert.True(Silos.Spec.Template.Spec.TerminationGracePeriodSeconds > new DrainOptions().Timeout.TotalSeconds + 50);
    }

    [Fact]
    public void The_silo_pods_carry_the_cluster_labels_Orleans_reads_and_the_API_joins_the_same_cluster()
    {
        var labels = Silos.Spec.Template.Metadata.Labels;
        var silo = Silos.Spec.Template.Spec.Containers.Single();
        var api = ApiDeployment.Spec.Template.Spec.Containers.Single();

        Assert.Equal($"metadata.labels['{KubernetesHostingOptions.ClusterIdLabel}']", FieldRef(silo, KubernetesHostingOptions.ClusterIdEnvironmentVariable));
        Assert.Equal($"metadata.labels['{KubernetesHostingOptions.ServiceIdLabel}']", FieldRef(silo, KubernetesHostingOptions.ServiceIdEnvironmentVariable));
        Assert.Equal("metadata.name", FieldRef(silo, KubernetesHostingOptions.PodNameEnvironmentVariable));
        Assert.Equal("metadata.namespace", FieldRef(silo, KubernetesHostingOptions.PodNamespaceEnvironmentVariable));
        Assert.Equal(labels[KubernetesHostingOptions.ClusterIdLabel], Env(api, "Orleans__ClusterId"));
        Assert.Equal(labels[KubernetesHostingOptions.ServiceIdLabel], Env(api, "Orleans__ServiceId"));
    }

    [Fact]
    public void The_silos_account_may_read_watch_and_label_pods_and_nothing_else()
    {
        var account = Silos.Spec.Template.Spec.ServiceAccountName;
        var binding = Single<V1RoleBinding>("orleansscale-silo-pods");
        var role = Single<V1Role>(binding.RoleRef.Name);

        Assert.Equal(account, Single<V1ServiceAccount>(account).Metadata.Name);
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == account);
        var rule = Assert.Single(role.Rules);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "patch", "watch"], rule.Verbs.Order());
    }

    [Fact]
    public void The_schema_job_migrates_and_no_silo_starts_before_the_schema_is_complete()
    {
        var job = Migration.Spec.Template.Spec.Containers.Single();
        var wait = Assert.Single(Silos.Spec.Template.Spec.InitContainers);
        var silo = Silos.Spec.Template.Spec.Containers.Single();

        Assert.True(MigrateCommand.IsRequested([.. job.Args]));
        Assert.True(WaitForSchemaCommand.IsRequested([.. wait.Args]));
        // The same build's scripts: the job, the wait and the silo run one image.
        Assert.Equal(silo.Image, job.Image);
        Assert.Equal(silo.Image, wait.Image);
        Assert.Equal("orleansscale-postgres", Assert.Single(wait.EnvFrom).SecretRef.Name);
        Assert.Equal("orleansscale-postgres", Assert.Single(job.EnvFrom).SecretRef.Name);
        Assert.Null(silo.Args);
        Assert.Null(silo.Command);
    }

    [Fact]
    public void Every_container_runs_as_the_images_non_root_user()
    {
        var siloUser = long.Parse(Property(Project("Silo/Silo.csproj"), "ContainerUser")!);
        var apiUser = long.Parse(Property(Project("Client.Api/Client.Api.csproj"), "ContainerUser")!);
        var pods = PodSpecs().ToList();

        Assert.NotEqual(0, siloUser);
        Assert.Equal(siloUser, apiUser);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.True(p.Pod.SecurityContext.RunAsNonRoot, p.Owner);
            Assert.Equal(siloUser, p.Pod.SecurityContext.RunAsUser);
            Assert.All(p.Pod.Containers.Concat(p.Pod.InitContainers ?? []), c =>
            {
                Assert.False(c.SecurityContext.AllowPrivilegeEscalation, c.Name);
                Assert.Null(c.SecurityContext.RunAsUser);
                Assert.Contains("ALL", c.SecurityContext.Capabilities.Drop);
            });
        });
    }

    [Fact]
    public void Containers_are_configured_through_the_environment_only()
    {
        Assert.All(PodSpecs(), p =>
        {
            Assert.Null(p.Pod.Volumes);
            Assert.All(p.Pod.Containers.Concat(p.Pod.InitContainers ?? []), c =>
            {
                Assert.Null(c.VolumeMounts);
                Assert.All(c.EnvFrom ?? [], e => Assert.Null(e.ConfigMapRef));
                Assert.StartsWith("orleansscale/", c.Image, StringComparison.Ordinal);
            });
        });
    }

    [Fact]
    public void The_database_secret_is_a_template_with_no_real_password()
    {
        var secret = Single<V1Secret>("orleansscale-postgres");

        Assert.Contains("Password=REPLACE-ME", secret.StringData["ConnectionStrings__Postgres"], StringComparison.Ordinal);
        Assert.StartsWith("REPLACE-ME", secret.StringData["Admin__Password"], StringComparison.Ordinal);
        Assert.Null(secret.Data);
    }
}
