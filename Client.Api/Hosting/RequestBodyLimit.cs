using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace OrleansScale.Api.Hosting;

/// <summary>Refuses a body over the limit before anything reads it. Kestrel also enforces the limit
/// while reading (for bodies without Content-Length); this answers early and works on any server.</summary>
sealed class RequestBodyLimit(RequestDelegate next, long limit)
{
    public Task InvokeAsync(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        // Not async and nothing resolved on the way through: this runs for every request.
        return http.Request.ContentLength > limit ? Refuse(http) : next(http);
    }

    Task Refuse(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "The request body is too large.",
                Detail = $"The limit is {limit} bytes.",
            },
        }).AsTask();
    }
}
