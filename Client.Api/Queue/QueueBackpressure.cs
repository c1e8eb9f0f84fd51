using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansScale.Api.Admission;

namespace OrleansScale.Api.Queue;

/// <summary>Refuses a write that would create background work while the queue lags past its bounds
/// (<see cref="QueueMonitorOptions"/>): 503 with Retry-After, before anything is changed. Reads, sign-ins and
/// cart changes are never refused, so they keep being served while the backlog drains; the queue's consumers
/// work at their own bounded pace meanwhile.</summary>
public sealed partial class QueueBackpressure(QueueMonitor monitor, IOptions<QueueMonitorOptions> options, ILogger<QueueBackpressure> logger)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (await Reason() is not { } reason)
            return await next(context);
        var http = context.HttpContext;
        LogRefused(http.Request.Method, http.Request.Path, reason);
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(options.Value.RetryAfter.TotalSeconds)).ToString();
        return TypedResults.Problem(new ProblemDetails
        {
            Type = ProblemTypes.QueueLagging,
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Background work is running behind; this change is refused for now. Try again shortly.",
            Detail = reason,
        });
    }

    /// <summary>Why writes are refused now, or null when they are not.</summary>
    public async Task<string?> Reason()
    {
        var bounds = options.Value;
        if (!bounds.Enabled || await monitor.Current() is not { } queue)
            return null;
        if (queue.BacklogAge > bounds.MaxAge)
            return $"The oldest queued work is {queue.BacklogAge.TotalSeconds:0} s old (bound {bounds.MaxAge.TotalSeconds:0} s).";
        if (queue.Depth > bounds.MaxDepth)
            return $"{queue.Depth} messages are queued (bound {bounds.MaxDepth}).";
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path}: {Reason}")]
    partial void LogRefused(string method, string path, string reason);
}

public static class QueueBackpressureExtensions
{
    /// <summary>Marks a route whose writes put work on the queue: it is refused while the queue lags, and
    /// is admitted like every write (<see cref="WriteAdmission"/>).</summary>
    public static RouteHandlerBuilder CreatesBackgroundWork(this RouteHandlerBuilder route) =>
        route.AddEndpointFilter<QueueBackpressure>().AdmittedAsWrite();
}
