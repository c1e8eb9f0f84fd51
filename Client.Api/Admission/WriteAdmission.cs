using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Admission;

/// <summary>Lets at most <see cref="AdjustableConcurrencyLimit.Limit"/> writes into the cluster at once (between
/// <see cref="WriteAdmissionOptions.MinConcurrent"/> and <see cref="WriteAdmissionOptions.MaxConcurrent"/>, set by
/// <see cref="WriteLimitGovernor"/> from how the reads and the queue are doing); the next ones wait their turn,
/// oldest first, up to <see cref="WriteAdmissionOptions.MaxWait"/>, and a write that finds the waiting line full
/// or waits too long is refused with 503 and Retry-After before anything is changed. Offered more writes than
/// the machines can take, the cluster then works at its best rate on the writes it admitted, and reads,
/// sign-ins and the queue's consumers keep their share of it, where without a limit every request queued
/// inside the silos until grain calls timed out.</summary>
public sealed partial class WriteAdmission : IEndpointFilter, IDisposable
{
    public const string MeterName = "OrleansScale.Api.Writes";

    readonly WriteAdmissionOptions options;
    readonly AdjustableConcurrencyLimit limiter;
    readonly Meter meter;
    readonly Counter<long> refused;
    readonly ILogger<WriteAdmission> logger;
    long refusedSinceLastLog;

    public WriteAdmission(IOptions<WriteAdmissionOptions> options, AdjustableConcurrencyLimit limiter, IMeterFactory meters,
        ILogger<WriteAdmission> logger)
    {
        this.options = options.Value;
        this.logger = logger;
        this.limiter = limiter;
        meter = meters.Create(MeterName);
        refused = meter.CreateCounter<long>("orleansscale.writes.refused", "{request}",
            "Writes refused because as many as Writes:Admission allows were running and waiting");
        meter.CreateObservableGauge("orleansscale.writes.running", () => limiter.Running, "{request}",
            "Writes admitted into the cluster and not yet answered");
        meter.CreateObservableGauge("orleansscale.writes.waiting", () => limiter.Waiting,
            "{request}", "Writes waiting for their turn");
        meter.CreateObservableGauge("orleansscale.writes.limit", () => limiter.Limit,
            "{request}", "Writes this server lets into the cluster at once now");
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!options.Enabled)
            return await next(context);
        var http = context.HttpContext;
        if (!await limiter.Enter(options.MaxWaiting, options.MaxWait, http.RequestAborted))
            return Refuse(http);
        try
        {
            return await next(context);
        }
        finally
        {
            limiter.Exit();
        }
    }

    /// <summary>Answers a write with 503 before anything else is done for it (before its session is looked up
    /// and its body read) when it would find the waiting line full: under an overload most writes are refused,
    /// and a refusal that costs a grain call takes from the reads the share of the cluster it protects.</summary>
    public async ValueTask<bool> RefusedAtOnce(HttpContext http)
    {
        if (!options.Enabled || !limiter.WouldRefuseAtOnce(options.MaxWaiting, options.MaxWait))
            return false;
        await Refuse(http).ExecuteAsync(http);
        return true;
    }

    ProblemHttpResult Refuse(HttpContext http)
    {
        refused.Add(1);
        // One line per second at most: refusals come in floods, and each one is on /metrics anyway.
        if (Interlocked.Increment(ref refusedSinceLastLog) == 1)
            _ = LogRefusalsAfterASecond();
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(options.RetryAfter.TotalSeconds)).ToString();
        return TypedResults.Problem(new ProblemDetails
        {
            Type = ProblemTypes.Overloaded,
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The service is taking as many changes as it can; this change is refused for now. Try again shortly.",
            // The state as the refusal found it: a full line, or a wait longer than MaxWait.
            Detail = $"This server lets {limiter.Limit} changes run at once; {limiter.Waiting} are waiting for a turn, "
                + $"at most {options.MaxWaiting}, each for at most {options.MaxWait.TotalSeconds:0.#} s.",
        });
    }

    async Task LogRefusalsAfterASecond()
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        LogRefused(Interlocked.Exchange(ref refusedSinceLastLog, 0), limiter.Limit, limiter.Waiting);
    }

    public void Dispose() => meter.Dispose();

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Refused {Count} writes within a second; the limit is now {Limit} at once, with {Waiting} waiting (Writes:Admission)")]
    partial void LogRefused(long count, int limit, int waiting);
}
