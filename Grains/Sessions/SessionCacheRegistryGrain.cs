using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using OrleansScale.Caching;

namespace OrleansScale.Sessions;

/// <summary>How the session copies' registry is split ("SessionCache" section of the silos), by a hash of the token.</summary>
public sealed class SessionCacheRegistryOptions : CopyRegistryOptions
{
    public const string Section = "SessionCache";
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
