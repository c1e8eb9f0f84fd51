using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansScale.Jobs;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Jobs;

/// <summary>A cluster whose silos also run <see cref="GateJob"/>, a job kind the test holds and
/// releases, and whose queue hands out a dead silo's messages again after 16 s (not 5 min,
/// <see cref="QueueProbe.ShortTimeouts"/>), so a job whose silo died resumes within the test's patience. Exports hold at most one article, so an
/// export of a user with two fails on every attempt. Exports of users the test holds
/// (<see cref="HeldExports"/>) wait for the test before they run.</summary>
public class JobsFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Concat([
            new("Jobs:MaxAttempts", "3"),
            new("Jobs:RetryDelay", "00:00:00.200"),
            new("Exports:MaxArticles", "1"),
        ]);

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<GateJobConfigurator>();

    sealed class GateJobConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddKeyedTransient<IJobHandler, GateJob>(GateJob.Kind);
            // The last registration for the export kind wins: the real export behind a hold.
            silo.Services.AddKeyedTransient<IJobHandler>(JobKinds.UserExport,
                (services, _) => new HeldExports(ActivatorUtilities.CreateInstance<UserExportJob>(services)));
        }
    }
}

/// <summary>The real export, held until the test releases the user's exports, so a test can act while
/// an export is certainly still running.</summary>
public sealed class HeldExports(IJobHandler export) : IJobHandler
{
    static readonly ConcurrentDictionary<string, TaskCompletionSource> Holds = new();

    public static void Hold(string userId) => Holds[userId] = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void Release(string userId)
    {
        if (Holds.TryRemove(userId, out var hold))
            hold.SetResult();
    }

    public async Task<string> Run(JobContext job)
    {
        if (Holds.TryGetValue(job.OwnerId, out var hold))
            await hold.Task;
        return await export.Run(job);
    }
}

/// <summary>The fixture of the failover tests, which kill a silo: a cluster of their own.</summary>
public sealed class JobFailoverFixture : JobsFixture;

/// <summary>A job kind for tests only, registered from the test silos' configurator: each attempt
/// reports where it runs, and attempts up to <see cref="Gate.HoldAttempts"/> wait for the test.</summary>
public sealed class GateJob(ILocalSiloDetails silo) : IJobHandler
{
    public const string Kind = "test.gate";

    static readonly ConcurrentDictionary<string, Gate> Gates = new();

    public static Gate For(string jobId) => Gates.GetOrAdd(jobId, _ => new Gate());

    public async Task<string> Run(JobContext job)
    {
        var gate = For(job.JobId);
        gate.Attempts.Enqueue(silo.SiloAddress);
        gate.FirstAttempt.TrySetResult(silo.SiloAddress);
        if (job.Attempt <= gate.HoldAttempts)
            await gate.Release.Task;
        return JsonSerializer.Serialize(new { attempt = job.Attempt, silo = silo.SiloAddress.ToParsableString() });
    }

    public sealed class Gate
    {
        public int HoldAttempts { get; set; } = int.MaxValue;
        public ConcurrentQueue<SiloAddress> Attempts { get; } = new();
        public TaskCompletionSource<SiloAddress> FirstAttempt { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
