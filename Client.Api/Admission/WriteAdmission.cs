using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Admission;

/// <summary>Lets at most <see cref="WriteAdmissionOptions.MaxConcurrent"/> writes into the cluster at once;
/// the next ones wait their turn, oldest first, up to <see cref="WriteAdmissionOptions.MaxWait"/>, and a write
/// that finds the waiting line full or waits too long is refused with 503 and Retry-After before anything is
/// changed. Offered more writes than the machines can take, the cluster then works at its best rate on
/// the writes it admitted, and reads, sign-ins and the queue's consumers keep their share of it, where
/// without a limit every request queued inside the silos until grain calls timed out.</summary>
public sealed partial class WriteAdmission : IEndpointFilter, IDisposable
{
    public const string MeterName = "OrleansScale.Api.Writes";

    readonly WriteAdmissionOptions options;
    readonly ConcurrencyLimiter limiter;
    readonly Meter meter;
    readonly Counter<long> refused;
    readonly ILogger<WriteAdmission> logger;
    long refusedSinceLastLog;

    public WriteAdmission(IOptions<WriteAdmissionOptions> options, IMeterFactory meters, ILogger<WriteAdmission> logger)
    {
        this.options = options.Value;
        this.logger = logger;
        limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = this.options.MaxConcurrent,
            QueueLimit = this.options.MaxWaiting,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        meter = meters.Create(MeterName);
        refused = meter.CreateCounter<long>("orleansscale.writes.refused", "{request}",
            "Writes refused because as many as Writes:Admission allows were running and waiting");
        meter.CreateObservableGauge("orleansscale.writes.running",
            () => this.options.MaxConcurrent - limiter.GetStatistics()!.CurrentAvailablePermits, "{request}",
            "Writes admitted into the cluster and not yet answered");
        meter.CreateObservableGauge("orleansscale.writes.waiting", () => limiter.GetStatistics()!.CurrentQueuedCount,
            "{request}", "Writes waiting for their turn");
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!options.Enabled)
            return await next(context);
        var http = context.HttpContext;
        using (var lease = await Admit(http.RequestAborted))
        {
            if (lease.IsAcquired)
                return await next(context);
        }
        return Refuse(http);
    }

    async ValueTask<RateLimitLease> Admit(CancellationToken requestAborted)
    {
        var lease = limiter.AttemptAcquire();
        if (lease.IsAcquired || options.MaxWait <= TimeSpan.Zero || options.MaxWaiting == 0)
            return lease;
        lease.Dispose();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        wait.CancelAfter(options.MaxWait);
        try
        {
            return await limiter.AcquireAsync(1, wait.Token);
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            return NotAdmitted.Instance; // waited MaxWait
        }
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
            Detail = $"{options.MaxConcurrent} changes are running and {options.MaxWaiting} waiting on this server.",
        });
    }

    async Task LogRefusalsAfterASecond()
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        LogRefused(Interlocked.Exchange(ref refusedSinceLastLog, 0), options.MaxConcurrent, options.MaxWaiting);
    }

    public void Dispose()
    {
        limiter.Dispose();
        meter.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Refused {Count} writes within a second: {Running} were running and {Waiting} waiting (Writes:Admission)")]
    partial void LogRefused(long count, int running, int waiting);

    sealed class NotAdmitted : RateLimitLease
    {
        public static readonly NotAdmitted Instance = new();
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
