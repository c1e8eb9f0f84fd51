using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansScale.Api.Hosting;

namespace OrleansScale.Tests.Cluster;

/// <summary>Which failed requests the API sends into the cluster a second time: reads on any transient failure,
/// writes only when Orleans rejected the call unrun and the write is safe to repeat, or when the grain refused
/// the change before changing anything.</summary>
public sealed class RetryTransientFailuresFilterTests
{
    [Theory]
    [InlineData("GET", false, "rejected", 2)]
    [InlineData("GET", false, "timeout", 2)]
    [InlineData("PUT", false, "rejected", 2)]
    [InlineData("DELETE", false, "rejected", 2)]
    [InlineData("POST", true, "rejected", 2)]
    [InlineData("POST", false, "rejected", 1)]
    [InlineData("PUT", false, "timeout", 1)]
    [InlineData("POST", true, "timeout", 1)]
    [InlineData("GET", false, "invalid", 1)]
    [InlineData("POST", false, "unannounced", 2)]
    [InlineData("PUT", false, "unannounced", 2)]
    public async Task A_request_is_sent_again_only_when_the_failure_says_a_second_attempt_does_no_harm(
        string method, bool markedSafeToRepeat, string failure, int expectedAttempts)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        if (markedSafeToRepeat)
            http.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new SafeToRepeatMetadata()), "test"));
        var filter = new RetryTransientFailuresFilter(NullLogger<RetryTransientFailuresFilter>.Instance);
        var attempts = 0;

        var call = filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ =>
        {
            attempts++;
            if (attempts == 1)
                throw Failure(failure);
            return ValueTask.FromResult<object?>("done");
        }).AsTask();

        if (expectedAttempts == 2)
            Assert.Equal("done", await call);
        else
            await Assert.ThrowsAnyAsync<Exception>(() => call);
        Assert.Equal(expectedAttempts, attempts);
    }

    static Exception Failure(string kind) => kind switch
    {
        // What a silo that has begun to stop answers; Orleans keeps the constructor to itself.
        "rejected" => (Exception)Activator.CreateInstance(typeof(OrleansMessageRejectionException),
            BindingFlags.Instance | BindingFlags.NonPublic, null, ["Silo stopping"], null)!,
        "timeout" => new TimeoutException("no answer in time"),
        // A product change refused before it changed anything: any write may go again.
        "unannounced" => new OrleansScale.Products.ProductCacheUnavailableException("registry partition unreachable"),
        _ => new InvalidOperationException("a bug, not the cluster"),
    };
}
