using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Serialization.Metadata;

namespace OrleansScale.Bench.ClusterLoad.Api;

/// <summary>The one HTTP client of a run, shared by every operation: the driver must never be what
/// limits the rate, so connections are pooled without a practical cap and recycled now and then (so a
/// new API clone behind a balancer would get its share), and nothing is kept between requests but the
/// pool. Cookies are off: every request names its session with a bearer token, and the API's
/// <c>sid</c> cookie from one sign-in must never ride along on another user's request.</summary>
public sealed class ApiClient : IDisposable
{
    static readonly MediaTypeHeaderValue Json = new("application/json");

    readonly HttpClient http;

    public ApiClient(Uri baseAddress, TimeSpan requestTimeout, int maxConnections)
    {
        BaseAddress = baseAddress;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = baseAddress,
            Timeout = requestTimeout,
        };
    }

    public Uri BaseAddress { get; }

    public Task<ApiAnswer> Get(string path, string? bearer = null) => Send(HttpMethod.Get, path, bearer, null);

    public Task<ApiAnswer> Delete(string path, string? bearer) => Send(HttpMethod.Delete, path, bearer, null);

    public Task<ApiAnswer> Send<T>(HttpMethod method, string path, string? bearer, T body, JsonTypeInfo<T> type) =>
        Send(method, path, bearer, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, type));

    /// <summary>Sends one request and reads the whole answer. Never throws for what the network or the
    /// server does: a timeout or a broken connection comes back as an answer without a status.</summary>
    /// <param name="bearer">The value of the Authorization header ("Bearer …"), or null.</param>
    public async Task<ApiAnswer> Send(HttpMethod method, string path, string? bearer, byte[]? jsonBody)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
            request.Headers.TryAddWithoutValidation("Authorization", bearer);
        if (jsonBody is not null)
        {
            request.Content = new ByteArrayContent(jsonBody);
            request.Content.Headers.ContentType = Json;
        }
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var body = await response.Content.ReadAsByteArrayAsync();
            return new ApiAnswer((int)response.StatusCode, body, response.Headers.RetryAfter is not null);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            return ApiAnswer.TimedOut;
        }
        catch (HttpRequestException)
        {
            return ApiAnswer.ConnectionFailed;
        }
        catch (IOException)
        {
            return ApiAnswer.ConnectionFailed;
        }
        catch (SocketException)
        {
            return ApiAnswer.ConnectionFailed;
        }
    }

    public void Dispose() => http.Dispose();
}
