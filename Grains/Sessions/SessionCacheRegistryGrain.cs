using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using OrleansScale.Caching;

namespace OrleansScale.Sessions;

/// <summary>How the session copies' registry is split ("SessionCache" section of the silos).</summary>
public sealed class SessionCacheRegistryOptions
{
    public const string Section = "SessionCache";

    /// <summary>How many registry grains share the announcements, by a hash of the token, so that cart changes
    /// and sign-outs do not all pass through one grain on one silo. The same on every silo: an API process
    /// that sees two counts stops serving copies until they agree, so change it only by restarting every silo.</summary>
    [Range(1, 1024)]
    public int RegistryPartitions { get; set; } = 8;
}

/// <summary>Holds the API processes' copies of sessions for one partition of the tokens and passes every change
/// of those sessions to them before it is written (<see cref="CopyRegistryGrain{TObserver}"/>). Reentrant and
/// immovable for the same reasons as the products' registry.</summary>
[GrainType("session-cache-registry")]
[Reentrant]
[Immovable]
public sealed class SessionCacheRegistryGrain(
    IOptions<SessionCacheRegistryOptions> options,
    ILogger<SessionCacheRegistryGrain> logger) : CopyRegistryGrain<ISessionCacheObserver>(logger), ISessionCacheRegistryGrain
{
    protected override string Kind => "session";

    protected override string ForLog(string key) => "(token not logged)";

    public ValueTask<SessionCacheLease> Subscribe(ISessionCacheObserver observer)
    {
        var (epoch, wasSubscribed) = Renew(observer);
        return ValueTask.FromResult(new SessionCacheLease(epoch, wasSubscribed, options.Value.RegistryPartitions));
    }

    public Task SessionChanging(string token) =>
        Announce(token, observer => observer.SessionChanging(token));

    public ValueTask Activate() => ValueTask.CompletedTask;
}
