using System.Collections.Concurrent;
using Orleans.TestingHost;
using OrleansScale.Users;

namespace OrleansScale.Tests.Users;

/// <summary>Makes one call to a user's friends grain fail, before or after the grain did its work, to
/// produce the half-done friendship changes that the repair must undo. The silos of a test cluster run
/// in the test process, so a static table reaches them.</summary>
public sealed class FriendshipFaults : IIncomingGrainCallFilter
{
    static readonly ConcurrentDictionary<(string UserId, string Method), bool> Armed = new();

    /// <summary>The next call of <paramref name="method"/> on <paramref name="userId"/>'s friends grain
    /// fails; with <paramref name="afterWork"/> the grain has done its work when the caller sees the failure.</summary>
    public static void FailNext(string userId, string method, bool afterWork) => Armed[(userId, method)] = afterWork;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(IFriendsGrain)
            && Armed.TryRemove((context.TargetId.Key.ToString()!, context.InterfaceMethod.Name), out var afterWork))
        {
            if (afterWork)
                await context.Invoke();
            throw new InvalidOperationException("Injected failure for a test.");
        }
        await context.Invoke();
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.AddIncomingGrainCallFilter<FriendshipFaults>();
    }
}
