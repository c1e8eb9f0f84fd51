using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Silo.Hosting;

/// <summary>Where this silo listens. Several silos share one host by taking different ports.</summary>
public sealed class SiloEndpointOptions
{
    public const string Section = "Silo";

    /// <summary>The address other silos and clients use to reach this one: an IP address, or a host name that
    /// is resolved once at start (in a container, the name other containers know it by).</summary>
    [Required]
    public string AdvertisedIp { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Listen on all interfaces rather than only the advertised address.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    /// <summary>Shown on the dashboard and /api/cluster; defaults to "silo-{SiloPort}".</summary>
    public string? Name { get; set; }
}
