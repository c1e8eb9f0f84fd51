using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using OrleansScale.Api.Hosting;

namespace OrleansScale.Tests.Cluster;

/// <summary>deploy/roll.sh starts a new API process on the port of the one it replaces before that one stops
/// (<see cref="SharedListenPort"/>): two Kestrel servers share the port, and once the old one has stopped the
/// new one answers every request, with no moment in which nothing listens.</summary>
public sealed class SharedListenPortTests
{
    static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    static async Task<WebApplication> Start(string name, int port, bool share)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection([
            new(SharedListenPort.Setting, share ? "true" : "false"),
            new("Urls", $"http://127.0.0.1:{port}"),
        ]);
        builder.AddSharedListenPort();
        var app = builder.Build();
        app.MapGet("/", () => name);
        await app.StartAsync();
        return app;
    }

    // A new connection per request, as new clients and HttpClient after a connection closes make them: the
    // kernel picks a listener per connection.
    static async Task<string> AskOnNewConnection(int port)
    {
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/") { Headers = { ConnectionClose = true } };
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task A_successor_listens_beside_the_old_process_and_serves_alone_once_it_has_stopped()
    {
        var port = FreePort();
        await using var old = await Start("old", port, share: true);
        await using var successor = await Start("new", port, share: true);

        var answeredBy = new HashSet<string>();
        for (var i = 0; i < 200 && answeredBy.Count < 2; i++)
            answeredBy.Add(await AskOnNewConnection(port));
        Assert.Equal(["new", "old"], answeredBy.Order());

        await old.StopAsync();
        for (var i = 0; i < 50; i++)
            Assert.Equal("new", await AskOnNewConnection(port));
    }

    [Fact]
    public async Task Without_the_setting_a_second_process_cannot_take_the_port()
    {
        var port = FreePort();
        await using var first = await Start("first", port, share: true);
        var second = await Assert.ThrowsAnyAsync<IOException>(() => Start("second", port, share: false));
        Assert.Contains("address", second.Message, StringComparison.OrdinalIgnoreCase);
    }
}
