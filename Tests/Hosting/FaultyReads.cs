using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace OrleansScale.Tests.Hosting;

/// <summary>How an injected storage read goes wrong.</summary>
public enum ReadFault
{
    /// <summary>The database cannot be reached (what Npgsql throws when its connection fails).</summary>
    Fails,
    /// <summary>The read is cancelled, as when the runtime cancels an activation (a migration, a shutdown).</summary>
    Cancelled,
}

/// <summary>Makes the next reads of chosen grain states in the main storage fail or get cancelled, so a
/// test can see what a grain whose state did not load answers. Reads of other states pass.</summary>
public static class FaultyReads
{
    static readonly ConcurrentDictionary<(string State, string Key), (ReadFault Fault, int Left)> planned = new();

    /// <summary>The next <paramref name="count"/> reads of the state of the grain with this key go wrong.</summary>
    public static void Inject(string stateName, string key, ReadFault fault, int count) =>
        planned[(stateName, key)] = (fault, count);

    /// <summary>Reads of the state that went wrong as planned and are still to come.</summary>
    public static int Left(string stateName, string key) =>
        planned.TryGetValue((stateName, key), out var plan) ? plan.Left : 0;

    /// <summary>Wraps the silo's main storage; add it after the silo's own configuration.</summary>
    public sealed class OfMain : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (services, _) =>
                new FaultyStorage(AdoNetGrainStorageFactory.Create(services, StorageNames.Main)));
    }

    static void BeforeRead(string stateName, GrainId grainId)
    {
        var key = (stateName, grainId.Key.ToString()!);
        while (planned.TryGetValue(key, out var plan) && plan.Left > 0)
        {
            if (!planned.TryUpdate(key, plan with { Left = plan.Left - 1 }, plan))
                continue;
            throw plan.Fault switch
            {
                ReadFault.Cancelled => new TaskCanceledException($"Read of {stateName} {grainId} cancelled on purpose"),
                _ => new Npgsql.NpgsqlException($"Read of {stateName} {grainId} failed on purpose",
                    new IOException("Connection refused")),
            };
        }
    }

    sealed class FaultyStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            BeforeRead(stateName, grainId);
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle lifecycle) =>
            ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
    }
}
