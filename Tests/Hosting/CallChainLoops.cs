using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace OrleansScale.Tests.Hosting;

/// <summary>Records every grain call chain that comes back to a grain it already passed through (A calls B,
/// which calls A while A waits). Such a loop works while A stays put, and stalls for the whole grain call
/// timeout when A is told to move in the middle of it: an activation that starts deactivating (the activation
/// rebalancer's migrations start at once, not when the grain is idle) holds every new call, interleaving
/// ones too, until its running call ends, and that call waits on the held one. Installed in a silo, it
/// passes the chain of grains along in the request context.</summary>
public sealed class CallChainLoops : IIncomingGrainCallFilter
{
    const string ChainKey = "orleansscale-test-call-chain";

    static readonly ConcurrentQueue<string> Loops = new();

    /// <summary>Every loop seen since the test process started: "a -> b -> a (Method)".</summary>
    public static IReadOnlyCollection<string> Seen => Loops;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var target = context.TargetId.ToString();
        // A queued message carries the request context of its publisher, but its delivery waits on nobody:
        // a chain ends where it goes through the queue.
        var chain = context.InterfaceName.EndsWith("IStreamConsumerExtension", StringComparison.Ordinal)
            ? null
            : RequestContext.Get(ChainKey) as string;
        if (chain is not null && chain.Split(' ').Contains(target))
            Loops.Enqueue($"{chain.Replace(" ", " -> ")} -> {target} ({context.InterfaceMethod?.Name})");
        RequestContext.Set(ChainKey, chain is null ? target : chain + " " + target);
        try
        {
            await context.Invoke();
        }
        finally
        {
            if (chain is null)
                RequestContext.Remove(ChainKey);
            else
                RequestContext.Set(ChainKey, chain);
        }
    }

    public sealed class Installed : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.Services.AddSingleton<IIncomingGrainCallFilter, CallChainLoops>();
    }
}
