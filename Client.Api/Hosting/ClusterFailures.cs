using Orleans.Runtime.Messaging;

namespace OrleansScale.Api.Hosting;

static class ClusterFailures
{
    /// <summary>Failures of the cluster or the path to it, not of the request: a silo that just died,
    /// no reachable gateway, a call that timed out. They answer 503 and are worth one retry for reads.</summary>
    public static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or SiloUnavailableException or ClientNotAvailableException
        or ConnectionFailedException or GatewayTooBusyException or TimeoutException;

    /// <summary>How long to wait before the one retry of a read: about the time the cluster needs to
    /// declare a killed silo dead with the tuned membership settings.</summary>
    public static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(750);
}

/// <summary>Retries a GET or HEAD once when the cluster fails it transiently, typically because the silo
/// that held a grain has just died and the grain is about to be re-activated elsewhere. Writes are never
/// retried here: the caller cannot know whether the first attempt took effect.</summary>
sealed partial class RetryIdempotentReadsFilter(ILogger<RetryIdempotentReadsFilter> logger) : IEndpointFilter
{
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
            await Task.Delay(ClusterFailures.RetryPause, context.HttpContext.RequestAborted);
            return await next(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying read {Path} once after a transient cluster failure ({Failure})")]
    partial void LogRetrying(string path, string failure);
}
