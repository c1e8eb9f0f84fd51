using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansScale.Tests.Hosting;

/// <summary>One Client.Api process (in memory), configured to join the fixture's cluster; <paramref name="services"/>
/// adds to its services after the process's own.</summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
        if (services is not null)
            builder.ConfigureServices(services);
    }

    /// <summary>Starts this process on Kestrel, listening on a port the system picks on each address, instead of
    /// in memory: for clients that open their own sockets, such as a browser, and so that the server sees where a
    /// connection really comes from. Returns the base address on each, in the order given.</summary>
    public IReadOnlyList<Uri> StartOnSockets(params IPAddress[] addresses)
    {
        UseKestrel(kestrel =>
        {
            foreach (var address in addresses)
                kestrel.Listen(address, 0);
        });
        StartServer();
        var bound = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a)).ToList();
        return addresses.Select(address => bound.Single(uri => IPAddress.Parse(uri.Host).Equals(address))).ToList();
    }

    /// <summary>A client that keeps no cookies, so tests say explicitly which token they send.</summary>
    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

    public HttpClient WithToken(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Registers a user (unique name unless given) and signs in; returns the user id and token.</summary>
    public async Task<SignedInUser> SignUpAndIn(string? userName = null, string password = "correct-horse-battery")
    {
        userName ??= "user" + Guid.NewGuid().ToString("N")[..12];
        using var http = Anonymous();
        var registered = await http.PostAsJsonAsync("/api/users", new { userName, displayName = "User " + userName, password });
        registered.EnsureSuccessStatusCode();
        return await SignIn(userName, password);
    }

    public async Task<SignedInUser> SignIn(string userName, string password)
    {
        using var http = Anonymous();
        var response = await http.PostAsJsonAsync("/api/sessions", new { userName, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<SessionCreatedBody>();
        return new SignedInUser(body!.UserId, userName, body.SessionId);
    }

    sealed record SessionCreatedBody(string SessionId, string UserId, DateTimeOffset ExpiresAt);
}

public sealed record SignedInUser(string UserId, string UserName, string Token);
