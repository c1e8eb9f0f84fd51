using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansScale.Api.Admission;
using OrleansScale.Api.Queue;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Admission;

/// <summary>The write limit following the reads and the queue: the governor is stepped by hand with reads of
/// chosen latencies, a queue of a chosen age and writes that find the limit full or not, on a clock the test
/// moves.</summary>
public sealed class WriteLimitGovernorTests : IDisposable
{
    readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    readonly ManualClock clock = new();
    readonly ReadLatency reads = new();
    readonly QueueAge queue = new();
    readonly AdjustableConcurrencyLimit writes = new(16);
    readonly WriteAdmission admission;
    readonly WriteLimitGovernor governor;

    sealed class QueueAge : IQueueAge
    {
        public TimeSpan? Age;
        public Task<TimeSpan?> BacklogAge() => Task.FromResult(Age);
    }

    public WriteLimitGovernorTests()
    {
        var options = Options.Create(new WriteAdmissionOptions
        {
            MinConcurrent = 2, MaxConcurrent = 16, ReadSlowdown = 2, QueueAgeTarget = TimeSpan.FromSeconds(10),
        });
        admission = new WriteAdmission(options, writes, services.GetRequiredService<IMeterFactory>(), NullLogger<WriteAdmission>.Instance);
        governor = new WriteLimitGovernor(writes, reads, queue, options, clock, NullLogger<WriteLimitGovernor>.Instance);
    }

    /// <summary>One interval in which <paramref name="count"/> reads took <paramref name="ms"/> each and, when
    /// <paramref name="pressed"/>, a write found the limit full.</summary>
    async Task Interval(double ms, bool pressed = true, int count = 50)
    {
        for (var i = 0; i < count; i++)
            reads.Record(TimeSpan.FromMilliseconds(ms));
        if (pressed)
            await FillTheLimitAndOneMore();
        clock.Advance(TimeSpan.FromSeconds(1));
        await governor.Adjust();
    }

    async Task FillTheLimitAndOneMore()
    {
        var entered = 0;
        while (await writes.Enter(maxWaiting: 0, TimeSpan.Zero, CancellationToken.None))
            entered++;
        for (var i = 0; i < entered; i++)
            writes.Exit();
    }

    [Fact]
    public async Task Reads_slower_than_twice_their_quiet_latency_halve_the_limit_each_step_down_to_the_minimum()
    {
        await Interval(5);
        Assert.Equal(16, writes.Limit);
        await Interval(9); // within twice quiet
        Assert.Equal(16, writes.Limit);
        await Interval(30);
        Assert.Equal(8, writes.Limit);
        await Interval(30);
        Assert.Equal(4, writes.Limit);
        for (var i = 0; i < 5; i++)
            await Interval(30);
        Assert.Equal(2, writes.Limit);
    }

    [Fact]
    public async Task Reads_under_the_floor_are_never_slow_however_quick_they_were_when_quiet()
    {
        await Interval(0.1); // near-cache hits
        await Interval(4);   // 40 times quiet, still under the 5 ms floor
        Assert.Equal(16, writes.Limit);
        await Interval(6);
        Assert.Equal(8, writes.Limit);
    }

    [Fact]
    public async Task A_limit_that_holds_writes_back_grows_by_one_each_step_while_reads_are_quick_and_one_that_holds_nothing_back_stays()
    {
        await Interval(5);
        for (var i = 0; i < 5; i++)
            await Interval(50);
        Assert.Equal(2, writes.Limit);
        await Interval(6);
        Assert.Equal(3, writes.Limit);
        await Interval(6, pressed: false);
        Assert.Equal(3, writes.Limit);
        for (var i = 0; i < 20; i++)
            await Interval(6);
        Assert.Equal(16, writes.Limit);
    }

    [Fact]
    public async Task Background_work_older_than_its_target_halves_the_limit_while_writes_press()
    {
        await Interval(5);
        queue.Age = TimeSpan.FromSeconds(11);
        await Interval(5);
        Assert.Equal(8, writes.Limit);
        await Interval(5, pressed: false); // no writes waiting: nothing to slow down
        Assert.Equal(8, writes.Limit);
        queue.Age = TimeSpan.FromSeconds(2);
        await Interval(5);
        Assert.Equal(9, writes.Limit);
    }

    [Fact]
    public async Task Too_few_reads_to_judge_say_nothing_about_them()
    {
        await Interval(5);
        for (var i = 0; i < 5; i++)
            await Interval(50);
        await Interval(500, count: WriteLimitGovernor.MinReads - 1);
        Assert.Equal(3, writes.Limit);
    }

    [Fact]
    public async Task The_quiet_latency_is_forgotten_after_the_quiet_span()
    {
        await Interval(5);
        clock.Advance(new WriteAdmissionOptions().QuietSpan);
        await Interval(30); // the quickest of the span now: the new quiet latency
        await Interval(40);
        Assert.Equal(16, writes.Limit);
    }

    [Fact]
    public async Task A_lower_limit_holds_new_writes_until_enough_running_ones_end()
    {
        var ends = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource<object?>()).ToArray();
        var running = ends.Select(end => admission.InvokeAsync(new DefaultEndpointFilterInvocationContext(new DefaultHttpContext()),
            _ => new ValueTask<object?>(end.Task))).ToArray();
        writes.Limit = 2;
        var next = admission.InvokeAsync(new DefaultEndpointFilterInvocationContext(new DefaultHttpContext()),
            _ => new ValueTask<object?>("next"));

        ends[0].SetResult("done");
        await running[0];
        Assert.False(next.IsCompleted); // two still run: the limit
        ends[1].SetResult("done");
        Assert.Equal("next", await next);
        ends[2].SetResult("done");
        await Task.WhenAll(running.Skip(1).Select(r => r.AsTask()));
    }

    public void Dispose()
    {
        admission.Dispose();
        services.Dispose();
    }
}
