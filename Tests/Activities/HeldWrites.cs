using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace OrleansScale.Tests.Activities;

/// <summary>Holds, or fails, the storage writes of chosen users' grains in one storage provider until the
/// test lets them go, so a test decides when a feed or a stream becomes durable. It wraps the silos'
/// storage; writes of other users' grains pass.</summary>
sealed class HeldWrites(string storage)
{
    /// <summary>Writes of feeds (<see cref="StorageNames.Feeds"/>).</summary>
    public static HeldWrites Feeds { get; } = new(StorageNames.Feeds);

    /// <summary>Writes of activity streams (<see cref="StorageNames.Streams"/>).</summary>
    public static HeldWrites Streams { get; } = new(StorageNames.Streams);

    readonly ConcurrentDictionary<string, TaskCompletionSource> held = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int> failing = new(StringComparer.Ordinal);

    /// <summary>From now on, writes of the user's grain wait until <see cref="Release"/>.</summary>
    public void Hold(string userId) =>
        held[userId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release(string userId)
    {
        if (held.TryRemove(userId, out var gate))
            gate.SetResult();
    }

    /// <summary>The next <paramref name="count"/> writes of the user's grain fail (after any hold), without
    /// reaching the database.</summary>
    public void Fail(string userId, int count) => failing[userId] = count;

    /// <summary>Registers the wrapper of the feed storage; add it after the silo's own configuration.</summary>
    public sealed class OfFeeds : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => Feeds.Wrap(silo);
    }

    /// <summary>Registers the wrapper of the stream storage; add it after the silo's own configuration.</summary>
    public sealed class OfStreams : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => Streams.Wrap(silo);
    }

    void Wrap(ISiloBuilder silo) =>
        silo.Services.AddKeyedSingleton<IGrainStorage>(storage, (services, _) => new HoldingStorage(this,
            AdoNetGrainStorageFactory.Create(services, storage),
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));

    async Task BeforeWrite(string userId, CancellationToken siloStopping)
    {
        if (held.TryGetValue(userId, out var gate))
        {
            await gate.Task;
            // A silo the test killed meanwhile must not write when the hold ends: its activation is gone.
            siloStopping.ThrowIfCancellationRequested();
        }
        while (failing.TryGetValue(userId, out var left) && left > 0)
        {
            if (failing.TryUpdate(userId, left - 1, left))
                throw new IOException($"Write of {userId} in {storage} failed on purpose");
        }
    }

    sealed class HoldingStorage(HeldWrites owner, IGrainStorage inner, CancellationToken siloStopping)
        : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            await owner.BeforeWrite(grainId.Key.ToString()!, siloStopping);
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle lifecycle) =>
            ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
    }
}
