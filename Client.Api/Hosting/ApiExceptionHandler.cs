using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace OrleansScale.Api.Hosting;

/// <summary>Turns every exception into problem details. Clients get a status and a title; the log gets
/// the exception. No stack trace, SQL or exception type name reaches a client.</summary>
sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = TitleFor(bad.StatusCode) },
            _ when ClusterFailures.IsTransient(exception) => Unavailable(http),
            OrleansScale.Queue.QueueUnavailableException => QueueUnavailable(http),
            OrleansScale.Products.ProductCacheUnavailableException or OrleansScale.Sessions.SessionCacheUnavailableException
                => CopiesUnreachable(http),
            _ => null,
        };
        if (problem is null)
        {
            LogUnhandled(exception, http.Request.Method, http.Request.Path);
            problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "An unexpected error occurred." };
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            LogClusterUnavailable(exception, http.Request.Method, http.Request.Path);
        }

        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    static ProblemDetails MalformedJson(JsonException json)
    {
        // Path is like "$.quantity" or "$.prices[0].amount": name the field the client got wrong.
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        return new HttpValidationProblemDetails(new Dictionary<string, string[]>
        {
            [field] = ["The value is malformed or has the wrong type."],
        })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid.",
        };
    }

    static ProblemDetails Unavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The cluster is unavailable. Try again shortly.",
        };
    }

    static ProblemDetails QueueUnavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        return new ProblemDetails
        {
            Type = Queue.ProblemTypes.QueueUnavailable,
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Background work cannot be queued right now; nothing was changed. Try again shortly.",
        };
    }

    static ProblemDetails CopiesUnreachable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The API servers could not all be told of the change in time; nothing was changed. Try again shortly.",
        };
    }

    static string TitleFor(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "The request body must be application/json.",
        _ => "The request is not valid.",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    partial void LogUnhandled(Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster unavailable on {Method} {Path}")]
    partial void LogClusterUnavailable(Exception exception, string method, string path);
}
