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

/// <summary>Makes the next reads or writes of chosen grain states in the main storage go wrong, so a test
/// can see what a grain whose state did not load, or whose write failed, answers. Other states pass.</summary>
public static class StorageFaults
{
    static readonly ConcurrentDictionary<(string State, string Key), (ReadFault Fault, int Left)> planned = new();
    static readonly ConcurrentDictionary<(string State, string Key), int> failingWrites = new();
    static readonly ConcurrentDictionary<(string State, string Key), TimeSpan> watchedWrites = new();
    static readonly ConcurrentQueue<string> changedDuringWrite = new();

    /// <summary>Every write of the state of the grain with this key first waits <paramref name="delay"/>
    /// (as a slow database would, after the provider has taken the state to serialize it), and is checked:
    /// the state object it was given must be the same, byte for byte, when the write has finished. A grain
    /// that changes that object meanwhile races the provider, which serializes it on a thread of its own.</summary>
    public static void WatchWrites(string stateName, string key, TimeSpan delay) =>
        watchedWrites[(stateName, key)] = delay;

    /// <summary>The watched writes whose state object changed while they ran.</summary>
    public static IReadOnlyCollection<string> ChangedDuringWrite => changedDuringWrite;

    /// <summary>The next <paramref name="count"/> writes of the state of the grain with this key fail as
    /// when the database cannot be reached, without reaching it.</summary>
    public static void FailWrites(string stateName, string key, int count) =>
        failingWrites[(stateName, key)] = count;

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
                new FaultyStorage(AdoNetGrainStorageFactory.Create(services, StorageNames.Main),
                    services.GetRequiredService<Orleans.Serialization.Serializer>()));
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

    static void BeforeWrite(string stateName, GrainId grainId)
    {
        var key = (stateName, grainId.Key.ToString()!);
        while (failingWrites.TryGetValue(key, out var left) && left > 0)
        {
            if (failingWrites.TryUpdate(key, left - 1, left))
                throw new Npgsql.NpgsqlException($"Write of {stateName} {grainId} failed on purpose", new IOException("Connection refused"));
        }
    }

    sealed class FaultyStorage(IGrainStorage inner, Orleans.Serialization.Serializer serializer)
        : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            BeforeRead(stateName, grainId);
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            BeforeWrite(stateName, grainId);
            if (!watchedWrites.TryGetValue((stateName, grainId.Key.ToString()!), out var delay))
            {
                await inner.WriteStateAsync(stateName, grainId, grainState);
                return;
            }
            var written = grainState.State;
            var before = serializer.SerializeToArray(written);
            await Task.Delay(delay).ConfigureAwait(false);
            await inner.WriteStateAsync(stateName, grainId, grainState);
            if (!before.AsSpan().SequenceEqual(serializer.SerializeToArray(written)))
                changedDuringWrite.Enqueue($"{stateName} {grainId}");
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle lifecycle) =>
            ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
    }
}

/// <summary>A cluster whose main storage fails on demand (<see cref="StorageFaults"/>).</summary>
public sealed class StorageFaultFixture : ClusterFixture
{
    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<StorageFaults.OfMain>();
}
