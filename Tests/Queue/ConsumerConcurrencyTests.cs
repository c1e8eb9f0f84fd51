using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansScale.Queue;

namespace OrleansScale.Tests.Queue;

/// <summary>The silo's bound on deliveries that work at once (<see cref="QueueOptions.ConsumerConcurrency"/>),
/// on <see cref="QueueDeliveries"/> itself with consumers the test holds open.</summary>
public sealed class ConsumerConcurrencyTests : IDisposable
{
    readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    static readonly StreamId Stream = StreamId.Create("product-changes", "p1");

    QueueDeliveries Deliveries(int concurrency, TimeSpan consumerTimeout) =>
        new(Options.Create(new QueueOptions { ConsumerConcurrency = concurrency, ConsumerTimeout = consumerTimeout }),
            new QueueMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<QueueDeliveries>.Instance);

    [Fact]
    public async Task A_bounded_delivery_starts_only_when_a_running_one_ends()
    {
        var deliveries = Deliveries(concurrency: 1, TimeSpan.FromMinutes(1));
        var firstEnds = new TaskCompletionSource();
        var secondStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = deliveries.Run(Stream, "test", 1, bounded: true, _ => firstEnds.Task);
        var second = deliveries.Run(Stream, "test", 1, bounded: true, _ =>
        {
            secondStarted.SetResult();
            return Task.CompletedTask;
        });
        // Unbounded deliveries (fan-outs waiting for feeds) pass the full silo.
        await deliveries.Run(Stream, "test", 1, bounded: false, _ => Task.CompletedTask);

        Assert.False(secondStarted.Task.IsCompleted);
        firstEnds.SetResult();
        await first;
        await secondStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await second;
    }

    [Fact]
    public async Task A_delivery_that_waits_past_its_deadline_for_a_turn_fails_without_running_and_the_turn_is_freed_by_the_work_not_the_deadline()
    {
        var deliveries = Deliveries(concurrency: 1, TimeSpan.FromMilliseconds(200));
        var stuckEnds = new TaskCompletionSource();
        // The first one ignores its deadline: it is abandoned, and keeps its turn until its work really ends.
        var abandoned = deliveries.Run(Stream, "test", 1, bounded: true, _ => stuckEnds.Task);
        await Assert.ThrowsAsync<TimeoutException>(() => abandoned);

        var ran = false;
        await Assert.ThrowsAsync<TimeoutException>(() => deliveries.Run(Stream, "test", 1, bounded: true, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        }));
        Assert.False(ran);

        stuckEnds.SetResult();
        await deliveries.Run(Stream, "test", 1, bounded: true, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        Assert.True(ran);
    }

    public void Dispose() => services.Dispose();
}
