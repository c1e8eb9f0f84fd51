using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansScale.Api.Admission;

namespace OrleansScale.Tests.Admission;

/// <summary>The admission filter itself, in front of an endpoint that answers when the test says so.</summary>
public sealed class WriteAdmissionTests : IDisposable
{
    readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    WriteAdmission Admission(int maxConcurrent, int maxWaiting, TimeSpan maxWait) =>
        new(Options.Create(new WriteAdmissionOptions
        {
            MaxConcurrent = maxConcurrent, MaxWaiting = maxWaiting, MaxWait = maxWait, RetryAfter = TimeSpan.FromSeconds(3),
        }), new AdjustableConcurrencyLimit(maxConcurrent), services.GetRequiredService<IMeterFactory>(), NullLogger<WriteAdmission>.Instance);

    /// <summary>A write whose endpoint runs until <paramref name="done"/> completes.</summary>
    static (ValueTask<object?> Answer, HttpContext Http) Write(WriteAdmission admission, Task<object?> done)
    {
        var http = new DefaultHttpContext();
        return (admission.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => new ValueTask<object?>(done)), http);
    }

    static void AssertRefused(object? answer, HttpContext http)
    {
        var problem = Assert.IsType<ProblemHttpResult>(answer);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem.StatusCode);
        Assert.Equal("urn:orleansscale:problem:overloaded", problem.ProblemDetails.Type);
        Assert.Equal("3", http.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task A_write_beyond_the_limit_waits_its_turn_and_runs_when_a_running_write_ends()
    {
        using var admission = Admission(maxConcurrent: 1, maxWaiting: 1, maxWait: TimeSpan.FromMinutes(1));
        var first = new TaskCompletionSource<object?>();
        var (running, _) = Write(admission, first.Task);
        var (waiting, _) = Write(admission, Task.FromResult<object?>("second"));

        Assert.False(running.IsCompleted);
        Assert.False(waiting.IsCompleted);
        first.SetResult("first");
        Assert.Equal("first", await running);
        Assert.Equal("second", await waiting);
    }

    [Fact]
    public async Task A_write_that_finds_the_waiting_line_full_is_refused_at_once()
    {
        using var admission = Admission(maxConcurrent: 1, maxWaiting: 1, maxWait: TimeSpan.FromMinutes(1));
        var first = new TaskCompletionSource<object?>();
        var (running, _) = Write(admission, first.Task);
        var (waiting, _) = Write(admission, Task.FromResult<object?>("second"));
        var (refused, http) = Write(admission, Task.FromResult<object?>("never"));

        Assert.True(refused.IsCompleted);
        AssertRefused(await refused, http);
        first.SetResult("first");
        Assert.Equal("first", await running);
        Assert.Equal("second", await waiting);
        Assert.Equal("third", await Write(admission, Task.FromResult<object?>("third")).Answer);
    }

    [Fact]
    public async Task A_write_that_waits_longer_than_allowed_is_refused_and_leaves_no_permit_behind()
    {
        using var admission = Admission(maxConcurrent: 1, maxWaiting: 4, maxWait: TimeSpan.FromMilliseconds(50));
        var first = new TaskCompletionSource<object?>();
        var (running, _) = Write(admission, first.Task);
        var (waited, http) = Write(admission, Task.FromResult<object?>("never"));

        AssertRefused(await waited, http);
        Assert.False(running.IsCompleted);
        first.SetResult("first");
        await running;
        Assert.Equal("next", await Write(admission, Task.FromResult<object?>("next")).Answer);
    }

    [Fact]
    public async Task A_write_whose_endpoint_fails_gives_its_permit_back()
    {
        using var admission = Admission(maxConcurrent: 1, maxWaiting: 0, maxWait: TimeSpan.Zero);
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Write(admission, Task.FromException<object?>(new InvalidOperationException())).Answer);
        Assert.Equal("next", await Write(admission, Task.FromResult<object?>("next")).Answer);
    }

    [Fact]
    public async Task A_write_is_refused_at_once_only_when_it_would_find_the_waiting_line_full()
    {
        var limit = new AdjustableConcurrencyLimit(1);
        var wait = TimeSpan.FromMinutes(1);
        Assert.False(limit.WouldRefuseAtOnce(maxWaiting: 1, wait));
        Assert.True(await limit.Enter(1, wait, CancellationToken.None));
        Assert.False(limit.TakeWasFull());
        Assert.False(limit.WouldRefuseAtOnce(maxWaiting: 1, wait)); // it may still wait its turn
        Assert.True(limit.WouldRefuseAtOnce(maxWaiting: 1, TimeSpan.Zero)); // none may wait
        var waiting = limit.Enter(1, wait, CancellationToken.None);
        Assert.True(limit.WouldRefuseAtOnce(maxWaiting: 1, wait));
        Assert.True(limit.TakeWasFull());

        limit.Exit();
        Assert.True(await waiting);
        Assert.False(limit.WouldRefuseAtOnce(maxWaiting: 1, wait));
        limit.Exit();
    }

    public void Dispose() => services.Dispose();
}
