using System.Net;
using System.Text.Json;

namespace OrleansScale.Tests.Hosting;

public static class ProblemAssertions
{
    /// <summary>Asserts an RFC 9457 problem with the status and the request's trace id, and returns its JSON.</summary>
    public static async Task<JsonElement> AssertProblem(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        // The request's W3C trace id, whether or not tracing is on (TracingTests match it to the exported spans).
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("traceId").GetString());
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("   at ", text);
        return problem;
    }

    /// <summary>Asserts a 400 whose errors name the field.</summary>
    public static async Task AssertFieldError(this HttpResponseMessage response, string field)
    {
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}': {problem}");
    }
}
