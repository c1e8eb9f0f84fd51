using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Hosts;

/// <summary>deploy/hosts.sh: the system on hosts of their own inside this machine (network namespaces on a
/// bridge), every process on its host's address, reached from this machine through the bridge.</summary>
public sealed class HostsLayoutTests
{
    readonly HostsScript hosts = new();

    [Fact]
    public async Task Silos_on_two_hosts_serve_writes_through_an_API_on_a_third_and_down_leaves_nothing_behind()
    {
        try
        {
            await hosts.Down(); // whatever an interrupted run left
            await hosts.Up(4);  // the database, the API, two silos

            using var http = new HttpClient { BaseAddress = hosts.Api, Timeout = TimeSpan.FromSeconds(30) };
            var user = await SignUpAndIn(http);
            using var asUser = new HttpRequestMessage(HttpMethod.Get, "/api/sessions/current");
            asUser.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            var session = await (await http.SendAsync(asUser)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(user.UserId, session.GetProperty("userId").GetString());

            var admin = await SignIn(http, "admin", HostsScript.AdminPassword);
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/products")
            {
                Content = JsonContent.Create(new
                {
                    name = "Across hosts", description = "written through the bridge", category = "books",
                    prices = new[] { new { currency = "USD", amount = 12.34m } }, pictures = Array.Empty<string>(),
                }),
            };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin.Token);
            var created = await http.SendAsync(create);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var product = await created.Content.ReadFromJsonAsync<JsonElement>();
            var read = await http.GetFromJsonAsync<JsonElement>($"/api/products/{product.GetProperty("id").GetString()}");
            Assert.Equal("Across hosts", read.GetProperty("name").GetString());

            var cluster = await http.GetFromJsonAsync<JsonElement>("/api/cluster");
            var silos = cluster.GetProperty("silos").EnumerateArray()
                .Select(s => (Host: s.GetProperty("host").GetString()!, Address: s.GetProperty("address").GetString()!,
                    Status: s.GetProperty("status").GetString()))
                .OrderBy(s => s.Host, StringComparer.Ordinal).ToList();
            Assert.Equal([hosts.SiloAddress(1), hosts.SiloAddress(2)], silos.Select(s => s.Host));
            Assert.All(silos, s =>
            {
                Assert.Equal("Active", s.Status);
                Assert.StartsWith(s.Host + ":", s.Address);
            });
            Assert.Contains(hosts.Api.ToString().TrimEnd('/'),
                cluster.GetProperty("api").GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
        }
        finally
        {
            var processes = hosts.RecordedProcesses();
            await hosts.Down();
            Assert.Empty(await hosts.Leftovers());
            Assert.DoesNotContain(processes, IsRunning);
            Assert.Empty(hosts.RecordedProcesses());
        }
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    static async Task<SignedInUser> SignUpAndIn(HttpClient http)
    {
        var userName = "hosts" + Guid.NewGuid().ToString("N")[..12];
        var registered = await http.PostAsJsonAsync("/api/users", new { userName, displayName = "Hosts " + userName, password = "correct-horse-battery" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        return await SignIn(http, userName, "correct-horse-battery");
    }

    static async Task<SignedInUser> SignIn(HttpClient http, string userName, string password)
    {
        var response = await http.PostAsJsonAsync("/api/sessions", new { userName, password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new SignedInUser(body.GetProperty("userId").GetString()!, userName, body.GetProperty("sessionId").GetString()!);
    }
}
