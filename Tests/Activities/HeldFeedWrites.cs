using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace OrleansScale.Tests.Activities;

/// <summary>Holds the storage writes of chosen users' feeds until the test lets them go, so a test decides
/// when a feed becomes durable. It wraps the silos' feed storage; writes of other users' feeds pass.</summary>
static class HeldFeedWrites
{
    static readonly ConcurrentDictionary<string, TaskCompletionSource> held = new(StringComparer.Ordinal);

    /// <summary>From now on, writes of the user's feed wait until <see cref="Release"/>.</summary>
    public static void Hold(string userId) =>
        held[userId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void Release(string userId)
    {
        if (held.TryRemove(userId, out var gate))
            gate.SetResult();
    }

    /// <summary>Registers the wrapper; add it after the silo's own configuration, whose storage it wraps.</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Feeds, (services, _) => new HoldingStorage(
                AdoNetGrainStorageFactory.Create(services, StorageNames.Feeds),
                services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
    }

    sealed class HoldingStorage(IGrainStorage inner, CancellationToken siloStopping)
        : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (held.TryGetValue(grainId.Key.ToString()!, out var gate))
            {
                await gate.Task;
                // A silo the test killed meanwhile must not write when the hold ends: its activation is gone.
                siloStopping.ThrowIfCancellationRequested();
            }
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle lifecycle) =>
            ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
    }
}
