using Orleans.Runtime.Messaging;

namespace OrleansScale.Api.Hosting;

static class ClusterFailures
{
    /// <summary>Failures of the cluster or the path to it, not of the request: a silo that just died,
    /// no reachable gateway, a call that timed out. They answer 503 and are worth one retry for reads.</summary>
    public static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or SiloUnavailableException or ClientNotAvailableException
        or ConnectionFailedException or GatewayTooBusyException or TimeoutException;
}

/// <summary>Retries a GET or HEAD once when the cluster fails it transiently, typically because the silo
/// that held a grain has just died and the grain is about to be re-activated elsewhere. Writes are never
/// retried here: the caller cannot know whether the first attempt took effect.</summary>
sealed partial class RetryIdempotentReadsFilter(ILogger<RetryIdempotentReadsFilter> logger) : IEndpointFilter
{
    static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var method = context.HttpContext.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            return await next(context);
        try
        {
            return await next(context);
        }
        catch (Exception e) when (ClusterFailures.IsTransient(e) && !context.HttpContext.Response.HasStarted)
        {
            LogRetrying(context.HttpContext.Request.Path, e.GetType().Name);
            await Task.Delay(Pause, context.HttpContext.RequestAborted);
            return await next(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying read {Path} once after a transient cluster failure ({Failure})")]
    partial void LogRetrying(string path, string failure);
}
