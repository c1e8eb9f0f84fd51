using Orleans.Runtime;

namespace OrleansScale.Api.Hosting;

/// <summary>Sends a request into the cluster a second time when its first attempt failed in a way that
/// says the second cannot do harm.
/// <list type="bullet">
/// <item>A read (GET, HEAD) is retried once on any transient failure, typically because the silo that held
/// its grain has just died and the grain is about to be activated elsewhere.</item>
/// <item>A write is retried once only when Orleans rejected the call (<see cref="OrleansMessageRejectionException"/>),
/// and only a write that is safe to repeat: PUT and DELETE, which set a state, and a POST marked with
/// <see cref="SafeToRepeatExtensions.SafeToRepeat"/>. Orleans rejects a request it has not delivered, for
/// example one that reached a silo after that silo began to stop and no longer takes calls for its grains;
/// the grain never ran it. A rejection of a call made inside a grain method comes back the same way, so a
/// POST is marked safe only when its grain method may run again after failing half-way (a review: a row
/// left by an attempt that failed before the product's own write is replaced by the next attempt).</item>
/// <item>Any write is retried once when the grain refused it before changing anything because the API
/// processes' copies could not be told of it (<see cref="OrleansScale.Products.ProductCacheUnavailableException"/>,
/// <see cref="OrleansScale.Sessions.SessionCacheUnavailableException"/>): typically a registry partition whose
/// silo just died, activated elsewhere by the time of the retry.</item>
/// </list>
/// Any other failure of a write (a timeout, a storage error) is answered as it is: the caller cannot know
/// whether the first attempt took effect, and neither can this process.</summary>
sealed partial class RetryTransientFailuresFilter(ILogger<RetryTransientFailuresFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        var repeatableWrite = HttpMethods.IsPut(method) || HttpMethods.IsDelete(method)
            || http.GetEndpoint()?.Metadata.GetMetadata<SafeToRepeatMetadata>() is not null;
        try
        {
            return await next(context);
        }
        catch (Exception e) when (!http.Response.HasStarted
            && (read ? ClusterFailures.IsTransient(e)
                : e is OrleansScale.Products.ProductCacheUnavailableException or OrleansScale.Sessions.SessionCacheUnavailableException
                    || repeatableWrite && e is OrleansMessageRejectionException))
        {
            LogRetrying(method, http.Request.Path, e.GetType().Name);
            await Task.Delay(e is OrleansMessageRejectionException && !read ? ClusterFailures.RejectedRetryPause : ClusterFailures.RetryPause, http.RequestAborted);
            return await next(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying {Method} {Path} once after a transient cluster failure ({Failure})")]
    partial void LogRetrying(string method, string path, string failure);
}

/// <summary>Marks a POST whose grain method may safely run again after a rejected call, so that
/// <see cref="RetryTransientFailuresFilter"/> retries it.</summary>
sealed class SafeToRepeatMetadata;

static class SafeToRepeatExtensions
{
    public static RouteHandlerBuilder SafeToRepeat(this RouteHandlerBuilder route) => route.WithMetadata(new SafeToRepeatMetadata());
}
