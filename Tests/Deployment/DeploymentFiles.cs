using System.Xml.Linq;
using k8s;
using k8s.Models;

namespace OrleansScale.Tests.Deployment;

/// <summary>The files of deploy/ as the tests read them: the Kubernetes manifests as the typed objects of the
/// Kubernetes client (strictly: a field name the API does not have fails the read), and the container
/// settings of the two project files.</summary>
static class DeploymentFiles
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ManifestFolder => Path.Combine(RepositoryRoot, "deploy", "kubernetes");

    /// <summary>The files kubectl applies (kustomization.yaml lists them, so every listed file must exist).</summary>
    public static IReadOnlyList<string> ManifestFiles() =>
        Directory.GetFiles(ManifestFolder, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Order().ToList();

    /// <summary>Every resource of every manifest file, typed.</summary>
    public static IReadOnlyList<IKubernetesObject> Resources() =>
        [.. ManifestFiles().SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f), strict: true)).Cast<IKubernetesObject>()];

    public static T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Resources().OfType<T>().Single(r => r.Metadata.Name == name);

    public static V1Deployment Silos => Single<V1Deployment>("orleansscale-silo");
    public static V1Deployment ApiDeployment => Single<V1Deployment>("orleansscale-api");
    public static V1Job Migration => Single<V1Job>("orleansscale-migrate");

    /// <summary>The pod specs of everything that runs a container.</summary>
    public static IEnumerable<(string Owner, V1PodSpec Pod)> PodSpecs() =>
        Resources().Select(r => r switch
        {
            V1Deployment d => (d.Metadata.Name, d.Spec.Template.Spec),
            V1Job j => (j.Metadata.Name, j.Spec.Template.Spec),
            V1StatefulSet s => (s.Metadata.Name, s.Spec.Template.Spec),
            V1DaemonSet s => (s.Metadata.Name, s.Spec.Template.Spec),
            V1Pod p => (p.Metadata.Name, p.Spec),
            _ => (Name: "", Spec: (V1PodSpec?)null),
        }).Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!));

    public static string? Env(V1Container container, string name) => container.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    public static string? FieldRef(V1Container container, string name) =>
        container.Env?.SingleOrDefault(e => e.Name == name)?.ValueFrom?.FieldRef?.FieldPath;

    /// <summary>The number a probe's port names: the port itself, or the container port of that name.</summary>
    public static int ProbePort(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out var number)
            ? number
            : container.Ports.Single(p => p.Name == port.Value).ContainerPort;

    /// <summary>A project file's container settings: its MSBuild properties and items.</summary>
    public static XDocument Project(string relativePath) => XDocument.Load(Path.Combine(RepositoryRoot, relativePath));

    public static string? Property(XDocument project, string name) =>
        project.Descendants(name).SingleOrDefault()?.Value;

    public static IEnumerable<XElement> Items(XDocument project, string name) => project.Descendants(name);

    static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "OrleansScale.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No OrleansScale.sln above {AppContext.BaseDirectory}");
    }
}
