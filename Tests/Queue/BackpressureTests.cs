using System.Net;
using System.Net.Http.Json;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Queue;

/// <summary>Writes that create background work are refused while the queue holds more than 3 messages or one
/// older than 30 s; the API reads the queue at most every 100 ms.</summary>
public sealed class BackpressureFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Queue:Backpressure:MaxDepth", "3"),
        new("Queue:Backpressure:MaxAge", "00:00:30"),
        new("Queue:Backpressure:RefreshEvery", "00:00:00.100"),
        new("Queue:Backpressure:RetryAfter", "00:00:07"),
    ];
}

public sealed class BackpressureTests(BackpressureFixture fixture) : IClassFixture<BackpressureFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Puts messages on the queue that no silo will take for a day: a backlog the test controls.</summary>
    async Task Backlog(int count, TimeSpan age) => await fixture.Database.Scalar<int>($"""
        INSERT INTO orleans_stream_message (service_id, provider_id, queue_id, dequeued, visible_on, expires_on,
            created_on, modified_on, payload)
        SELECT '{fixture.Cluster.Options.ServiceId}', 'queue', 'backlog-test', 0, now() + interval '1 day',
               now() + interval '2 days', now() - interval '{(int)age.TotalSeconds} seconds', now(), '\x00'
        FROM generate_series(1, {count})
        """);

    Task ClearBacklog() => fixture.Database.Scalar<int>("DELETE FROM orleans_stream_message WHERE queue_id = 'backlog-test'");

    [Theory]
    [InlineData(4, 0)]    // more messages than the bound
    [InlineData(1, 120)]  // one message older than the bound
    public async Task Writes_that_create_background_work_are_refused_while_the_queue_lags_and_accepted_again_after(int messages, int ageSeconds)
    {
        using var admin = await fixture.ApiA.Admin();
        var product = (await admin.CreateProduct(ProductApi.Body("Before the backlog"))).Id();
        var shopper = await fixture.ApiA.SignUpAndIn();
        using var cart = fixture.ApiA.WithToken(shopper.Token);

        await Backlog(messages, TimeSpan.FromSeconds(ageSeconds));
        try
        {
            var refused = await Await.Until(() => admin.PostAsJsonAsync("/api/products", ProductApi.Body("During the backlog")),
                r => r.StatusCode == HttpStatusCode.ServiceUnavailable, Patience, "a refused product write");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
            var problem = await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            Assert.Equal("urn:orleansscale:problem:queue-lagging", problem.GetProperty("type").GetString());
            Assert.Contains(messages > 1 ? "messages are queued" : "old", problem.GetProperty("detail").GetString());
            var review = await cart.PostAsJsonAsync($"/api/products/{product}/reviews", new { rating = 4, text = "Fine" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, review.StatusCode);

            // Reads and writes that queue nothing are served as usual.
            Assert.Equal(HttpStatusCode.OK, (await fixture.ApiB.Anonymous().GetAsync($"/api/products/{product}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await cart.PutAsJsonAsync($"/api/sessions/current/cart/{product}", new { quantity = 2 })).StatusCode);
            var cluster = await fixture.ApiB.Anonymous().GetFromJsonAsync<System.Text.Json.JsonElement>("/api/cluster");
            Assert.True(cluster.GetProperty("queue").GetProperty("backpressure").GetProperty("active").GetBoolean());
        }
        finally
        {
            await ClearBacklog();
        }

        var accepted = await Await.Until(() => admin.PostAsJsonAsync("/api/products", ProductApi.Body("After the backlog")),
            r => r.StatusCode == HttpStatusCode.Created, Patience, "an accepted product write");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await cart.PostAsJsonAsync($"/api/products/{product}/reviews", new { rating = 4, text = "Fine" })).StatusCode);
    }
}
