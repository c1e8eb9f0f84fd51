using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansScale.Jobs;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Jobs;

/// <summary>A cluster whose silos also run <see cref="GateJob"/>, a job kind the test holds and
/// releases, and whose queue hands out unconfirmed messages again after 5 s (not 1 min), so a job
/// whose silo died resumes within the test's patience. Exports hold at most one article, so an
/// export of a user with two fails on every attempt.</summary>
public class JobsFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Queue:VisibilityTimeout", "00:00:05"),
        new("Jobs:MaxAttempts", "3"),
        new("Jobs:RetryDelay", "00:00:00.200"),
        new("Exports:MaxArticles", "1"),
    ];

    protected override void ConfigureCluster(TestClusterBuilder builder) =>
        builder.AddSiloBuilderConfigurator<GateJobConfigurator>();

    sealed class GateJobConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            silo.Services.AddKeyedTransient<IJobHandler, GateJob>(GateJob.Kind);
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
