using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Hosts;

/// <summary>The API of a layout of deploy/hosts.sh, called from this machine through the bridge.</summary>
sealed class HostsApi(Uri api) : IDisposable
{
    public HttpClient Http { get; } = new() { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<SignedInUser> SignUpAndIn()
    {
        var userName = "hosts" + Guid.NewGuid().ToString("N")[..12];
        var registered = await Http.PostAsJsonAsync("/api/users", new { userName, displayName = "Hosts " + userName, password = "correct-horse-battery" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        return await SignIn(userName, "correct-horse-battery");
    }

    public async Task<SignedInUser> SignIn(string userName, string password)
    {
        var response = await Http.PostAsJsonAsync("/api/sessions", new { userName, password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new SignedInUser(body.GetProperty("userId").GetString()!, userName, body.GetProperty("sessionId").GetString()!);
    }

    public Task<SignedInUser> SignInAsAdministrator() => SignIn("admin", HostsScript.AdminPassword);

    /// <summary>Sends a product's details, as POST /api/products (id null) or PUT /api/products/{id}.</summary>
    public Task<HttpResponseMessage> SendProduct(string token, string? id, string name, CancellationToken cancellation = default)
    {
        var request = new HttpRequestMessage(id is null ? HttpMethod.Post : HttpMethod.Put, id is null ? "/api/products" : $"/api/products/{id}")
        {
            Content = JsonContent.Create(new
            {
                name, description = "on hosts of their own", category = "books",
                prices = new[] { new { currency = "USD", amount = 12.34m } }, pictures = Array.Empty<string>(),
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Http.SendAsync(request, cancellation);
    }

    public async Task<string> CreateProduct(string token, string name)
    {
        var created = await SendProduct(token, null, name);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>The silos of /api/cluster: host, address (with its generation) and status; null while the cluster
    /// cannot say (503: a silo it asks is unreachable and not yet declared dead).</summary>
    public async Task<IReadOnlyList<(string Host, string Address, string Status)>?> Silos()
    {
        using var response = await Http.GetAsync("/api/cluster");
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            return null;
        response.EnsureSuccessStatusCode();
        var cluster = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. cluster.GetProperty("silos").EnumerateArray()
            .Select(s => (s.GetProperty("host").GetString()!, s.GetProperty("address").GetString()!, s.GetProperty("status").GetString()!))
            .OrderBy(s => s.Item1, StringComparer.Ordinal)];
    }

    public void Dispose() => Http.Dispose();
}
