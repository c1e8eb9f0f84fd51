using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Core.Internal;
using Orleans.Placement;
using Orleans.Runtime.Placement;
using OrleansScale.Products;
using OrleansScale.Queue;

namespace OrleansScale.Silo.Hosting;

/// <summary>Unless "Drain:Enabled" is false, on a graceful stop (SIGTERM, <c>deploy/remove-silo.sh</c>, <c>deploy/roll.sh</c>), before Orleans
/// begins to shut the silo down, asks this silo's application grains to move to the other active silos,
/// spread over them, each when it is next idle ("Drain" section). Left to Orleans' shutdown, every activation
/// is deactivated at once while callers wait: under a 2× overload a busy session grain answered nothing for
/// over 5 s and every request of its user failed. A grain that moves carries its state over, so its next
/// caller meets neither a failure nor a cold start. Registered after the silo, so it stops before it.
/// First the silo gives up its queue partitions (<see cref="QueueBalancers"/>): its pulling agents stop, so
/// no delivery of its own is in flight when Orleans' shutdown begins. Left running, the agents held the
/// shutdown until their deliveries ended (7.6 s, and once the whole 20 s consumer timeout, under a 2×
/// overload), and the silo stayed a member, stopping, for all that time, while calls across the cluster
/// that involved it waited. Its queue consumers, idle from then on, are deactivated (<see cref="ActionFor"/>).
/// Grains that stay: those marked <c>[Immovable]</c> for every kind of move (and the queue consumers, if
/// the agents did not stop). What has not moved within <see cref="DrainOptions.Timeout"/> is left to the
/// shutdown as before.</summary>
sealed partial class DrainOnStop(
    IGrainFactory grains,
    ILocalSiloDetails local,
    IClusterMembershipService membership,
    QueueBalancers queue,
    DrainOptions options,
    ILogger<DrainOnStop> logger) : IHostedService
{
    static readonly Assembly GrainClasses = typeof(ProductGrain).Assembly;
    static readonly TimeSpan OneMoveTimeout = TimeSpan.FromSeconds(2);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var others = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(local.SiloAddress))
            .Select(m => m.SiloAddress).ToList();
        if (!options.Enabled || others.Count == 0)
            return;
        var agentsStopped = await RelinquishQueue(cancellationToken);
        // The moves have a budget of their own: agents that took long to stop leave them all of it.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Timeout);
        var started = TimeProvider.System.GetTimestamp();
        var moved = 0;
        var deactivated = 0;
        var failed = 0;
        try
        {
            var here = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, [local.SiloAddress])
                .WaitAsync(budget.Token);
            var movable = here.Where(s => ActionFor(s.GrainType) == DrainAction.Move).Select(s => s.GrainId).ToList();
            var consumers = agentsStopped
                ? here.Where(s => ActionFor(s.GrainType) == DrainAction.Deactivate).Select(s => s.GrainId).ToList()
                : [];
            LogDraining(movable.Count, others.Count, consumers.Count);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = budget.Token };
            await Parallel.ForEachAsync(consumers, parallel, async (id, token) =>
            {
                try
                {
                    await grains.GetGrain(id).Cast<IGrainManagementExtension>().DeactivateOnIdle().AsTask()
                        .WaitAsync(OneMoveTimeout, token);
                    Interlocked.Increment(ref deactivated);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            });
            await Parallel.ForEachAsync(movable.Select((id, i) => (id, target: others[i % others.Count])), parallel, async (move, token) =>
            {
                // The hint places the grain on that silo; without it a grain placed beside its caller stays here.
                RequestContext.Set(IPlacementDirector.PlacementHintKey, move.target);
                try
                {
                    await grains.GetGrain(move.id).Cast<IGrainManagementExtension>().MigrateOnIdle().AsTask()
                        .WaitAsync(OneMoveTimeout, token);
                    Interlocked.Increment(ref moved);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
                finally
                {
                    RequestContext.Remove(IPlacementDirector.PlacementHintKey);
                }
            });
        }
        catch (OperationCanceledException)
        {
            // Out of time: what is left deactivates with the silo.
        }
        catch (Exception e)
        {
            LogDrainFailed(e);
        }
        LogDrained(moved, deactivated, failed, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Stops this silo's pulling agents, within <see cref="DrainOptions.QueueTimeout"/>; false if that
    /// failed or ran out of time (they then stop with the silo, and the consumers stay).</summary>
    async Task<bool> RelinquishQueue(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            await queue.Relinquish().WaitAsync(options.QueueTimeout, cancellationToken);
            LogRelinquished(TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            return true;
        }
        catch (Exception e)
        {
            LogRelinquishFailed(e, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            return false;
        }
    }

    enum DrainAction { Stay, Move, Deactivate }

    /// <summary>Queue consumers are deactivated, not moved: they hold nothing worth carrying (what they have
    /// done is the queue's), and they are many (one fan-out grain per activity, idle until collected). Moving
    /// 6,208 grains, most of them consumers, once timed out a migration batch of 686 to one silo after 30 s under
    /// a 2× overload, while calls to those grains waited.</summary>
    static DrainAction ActionFor(string grainClass)
    {
        // Orleans names the class with its assembly ("OrleansScale.Products.ProductGrain,Grains").
        var type = Type.GetType(grainClass, throwOnError: false);
        if (type is null || type.Assembly != GrainClasses)
            return DrainAction.Stay; // Orleans' own grains, the dashboard's
        if (type.GetCustomAttribute<ImmovableAttribute>() is { Kind: ImmovableKind.Any })
            return DrainAction.Stay;
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(QueueConsumerGrain<>))
                return DrainAction.Deactivate;
        }
        return DrainAction.Move;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: this silo's queue partitions given up, its pulling agents stopped in {Seconds:0.0} s")]
    partial void LogRelinquished(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: this silo's queue pulling agents did not stop within {Seconds:0.0} s; they stop with the silo, and its queue consumers stay")]
    partial void LogRelinquishFailed(Exception exception, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: moving {Count} grains to {Silos} other silos and deactivating {Consumers} idle queue consumers before the shutdown")]
    partial void LogDraining(int count, int silos, int consumers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Moved} grains asked to move, {Deactivated} consumers to deactivate, {Failed} did not answer in time, in {Seconds:0.0} s")]
    partial void LogDrained(int moved, int deactivated, int failed, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: could not move the grains; they deactivate with the silo")]
    partial void LogDrainFailed(Exception exception);
}

/// <summary>"Drain": how a silo hands its grains over when it stops gracefully (<see cref="DrainOnStop"/>).</summary>
sealed class DrainOptions
{
    public const string Section = "Drain";

    /// <summary>On by default. It was opt-in while MigrationStressTests (grains told to move every 10 ms while a
    /// silo leaves) saw 503s with it; those were the write admission's refusals, mostly from the near cache's
    /// 0.1 ms reads taken as the quiet latency, and with the read floor it passed 5 of 5 runs
    /// (docs/operations.md).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most the move may take; the shutdown that follows takes its own time.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most the queue's pulling agents may take to stop, before the move. Under a 2× overload they
    /// took about 7 s (each finishes what it is doing first).</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Grains asked to move at once.</summary>
    public int Concurrency { get; set; } = 32;

    public static ISiloBuilder AddDrainOnStop(ISiloBuilder silo, IConfiguration configuration)
    {
        var drain = new DrainOptions();
        configuration.GetSection(Section).Bind(drain);
        silo.Services.AddSingleton(drain);
        // After the silo's own hosted service, so that it stops first, while the silo is fully active.
        silo.Services.AddHostedService<DrainOnStop>();
        // Orleans' shutdown took up to 25 s under load; the host's default 30 s would cut it short. 60 s in all by
        // default, what deploy/remove-silo.sh waits.
        silo.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drain.QueueTimeout + drain.Timeout + TimeSpan.FromSeconds(40));
        return silo;
    }
}
