using Microsoft.Extensions.Configuration;

namespace OrleansScale.Silo.Hosting;

/// <summary>Orleans' Kubernetes hosting, switched on only when the silo runs in a pod: the silo is named after
/// its pod, takes its cluster id and service id from the pod's labels <c>orleans/clusterId</c> and
/// <c>orleans/serviceId</c> (passed in as ORLEANS_CLUSTER_ID and ORLEANS_SERVICE_ID), and up to two silos
/// watch the cluster's pods, so a silo whose pod was deleted is declared dead at once rather than after
/// missed probes. Membership stays in Postgres. deploy/kubernetes/ has the pod settings it needs
/// (POD_NAME, POD_NAMESPACE, POD_IP and a role to read, watch and label pods).</summary>
static class KubernetesHosting
{
    /// <summary>Forces it on or off; unset, it is on exactly when <see cref="PodVariable"/> is set.</summary>
    public const string Setting = "Kubernetes:Enabled";

    /// <summary>Kubernetes sets this in every container of every pod; outside a cluster nothing does.</summary>
    public const string PodVariable = "KUBERNETES_SERVICE_HOST";

    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>(Setting) ?? !string.IsNullOrEmpty(configuration[PodVariable]);

    /// <summary>Adds Orleans' Kubernetes hosting when <see cref="IsEnabled"/>. Call it after
    /// <see cref="OrleansScaleSilo.UseConfiguredEndpoints"/>: its silo name and cluster identity then take
    /// precedence over the configured ones.</summary>
    public static ISiloBuilder UseKubernetesHostingInPods(this ISiloBuilder silo, IConfiguration configuration) =>
        IsEnabled(configuration) ? silo.UseKubernetesHosting() : silo;
}
