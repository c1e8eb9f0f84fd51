using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Admission;

/// <summary>Each API server admits one write at a time and lets none wait.</summary>
public sealed class OneWriteAtATimeFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Writes:Admission:MaxConcurrent", "1"),
        new("Writes:Admission:MaxWaiting", "0"),
        new("Writes:Admission:RetryAfter", "00:00:02"),
    ];
}

public sealed class WriteAdmissionEndToEndTests(OneWriteAtATimeFixture fixture) : IClassFixture<OneWriteAtATimeFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_write_beyond_the_limit_is_refused_while_reads_are_served_and_admitted_once_the_running_one_ends()
    {
        using var admin = await fixture.ApiA.Admin();
        using var reader = fixture.ApiA.Anonymous();
        var slow = (await admin.CreateProduct(ProductApi.Body("Held up by its storage"))).Id();
        var other = (await admin.CreateProduct(ProductApi.Body("Read meanwhile"))).Id();
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/products/{other}")).StatusCode);

        // Writes of a product's state wait for this lock (reads and other grains' writes do not): the replace
        // below holds the server's only write permit until the lock is released.
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        var storageLock = await connection.BeginTransactionAsync();
        await new NpgsqlCommand("SELECT 1 FROM orleans_storage WHERE grain_type = 'product' FOR UPDATE", connection, storageLock).ExecuteNonQueryAsync();
        Task<HttpResponseMessage> held;
        try
        {
            held = admin.PutAsJsonAsync($"/api/products/{slow}", ProductApi.Body("Replaced while another waits"));
            await Await.Until(() => Running(reader), running => running == 1, Patience, "one write running");

            var refused = await admin.PostAsJsonAsync("/api/products", ProductApi.Body("Refused"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:orleansscale:problem:overloaded", problem.GetProperty("type").GetString());
            await Await.Until(() => reader.GetStringAsync("/metrics"), m => m.Contains("orleansscale_writes_refused_total"),
                Patience, "the refusal counted on /metrics");

            // Refused before its session is looked up: a token that names no session gets the same 503.
            using var stranger = fixture.ApiA.WithToken("names-no-session");
            Assert.Equal(HttpStatusCode.ServiceUnavailable,
                (await stranger.PostAsJsonAsync("/api/products", ProductApi.Body("Refused unread"))).StatusCode);

            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/api/products/{other}")).StatusCode);
            Assert.False(held.IsCompleted);
        }
        finally
        {
            await storageLock.RollbackAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await held).StatusCode);
        using (var stranger = fixture.ApiA.WithToken("names-no-session"))
            Assert.Equal(HttpStatusCode.Unauthorized,
                (await stranger.PostAsJsonAsync("/api/products", ProductApi.Body("Not signed in"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/products", ProductApi.Body("After the wait"))).StatusCode);
        var replaced = await reader.GetFromJsonAsync<JsonElement>($"/api/products/{slow}");
        Assert.Equal("Replaced while another waits", replaced.GetProperty("name").GetString());
    }

    /// <summary>The writes this server has admitted and not yet answered, from its /metrics.</summary>
    static async Task<int> Running(HttpClient client)
    {
        var metrics = await client.GetStringAsync("/metrics");
        var line = metrics.Split('\n').Single(l => l.StartsWith("orleansscale_writes_running{"));
        return int.Parse(line[(line.LastIndexOf(' ') + 1)..]);
    }
}
