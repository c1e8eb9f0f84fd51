namespace OrleansScale.Cluster;

/// <summary>Facts about one silo process, keyed by the silo's address and always activated on
/// that silo, so each silo answers for itself.</summary>
public interface ISiloInfoGrain : IGrainWithStringKey
{
    /// <summary>The build this silo runs and when it started.</summary>
    ValueTask<ProcessInfo> Get();

    /// <summary>What this silo has published to and consumed from the queue since it started.</summary>
    ValueTask<Queue.QueueCounters> GetQueueCounters();
}

[GenerateSerializer, Immutable]
public sealed partial record ProcessInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Version,
    [property: Id(2)] DateTimeOffset StartedAt);

public sealed partial record ProcessInfo
{
    /// <summary>This process: its build's informational version (which carries the git commit
    /// when the build knew it) and its start time.</summary>
    public static ProcessInfo OfCurrentProcess(string name)
    {
        var assembly = System.Reflection.Assembly.GetEntryAssembly() ?? typeof(ProcessInfo).Assembly;
        var version = System.Reflection.CustomAttributeExtensions
            .GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        return new ProcessInfo(name, version, ProcessStartedAt);
    }

    static readonly DateTimeOffset ProcessStartedAt = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());
}
