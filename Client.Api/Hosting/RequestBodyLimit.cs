using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace OrleansScale.Api.Hosting;

/// <summary>Refuses a body over the limit before anything reads it. Kestrel also enforces the limit
/// while reading (for bodies without Content-Length); this answers early and works on any server.</summary>
sealed class RequestBodyLimit(RequestDelegate next, long limit)
{
    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        if (http.Request.ContentLength > limit)
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "The request body is too large.",
                    Detail = $"The limit is {limit} bytes.",
                },
            });
            return;
        }
        await next(http);
    }
}
