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

    /// <summary>Puts one message on the test queue as it would be after <paramref name="attempts"/> deliveries:
    /// leased <paramref name="leasedSecondsAgo"/> ago and hidden for a while yet, or failed and waiting out its
    /// retry delay.</summary>
    Task Message(int attempts, bool retrying, int queuedSecondsAgo, int leasedSecondsAgo) => fixture.Database.Scalar<int>($"""
        INSERT INTO orleans_stream_message (service_id, provider_id, queue_id, dequeued, retrying, visible_on, expires_on,
            created_on, modified_on, payload)
        VALUES ('{fixture.Cluster.Options.ServiceId}', 'queue', 'backlog-test', {attempts}, {retrying}, now() + interval '4 minutes',
               now() + interval '1 day', now() - interval '{queuedSecondsAgo} seconds', now() - interval '{leasedSecondsAgo} seconds', '\x00')
        """);

    Task ClearBacklog() => fixture.Database.Scalar<int>("DELETE FROM orleans_stream_message WHERE queue_id = 'backlog-test'");

    [Theory]
    [InlineData(4, 0)]    // more messages than the bound
    [InlineData(1, 120)]  // one message older than the bound
    public async Task Writes_that_create_background_work_are_refused_while_the_queue_lags_and_accepted_again_after(int messages, int ageSeconds)
    {
        using var admin = await fixture.ApiA.Admin();
        // The bound of 3 is low enough that the work of the previous test's writes may still be queued.
        var product = (await (await CreatedOnceAccepted(admin, "Before the backlog")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).Id();
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

        await CreatedOnceAccepted(admin, "After the backlog");
        Assert.Equal(HttpStatusCode.Created, (await cart.PostAsJsonAsync($"/api/products/{product}/reviews", new { rating = 4, text = "Fine" })).StatusCode);
    }

    [Fact]
    public async Task A_lease_left_by_a_silo_that_stopped_and_a_message_waiting_to_be_retried_refuse_nothing_but_show()
    {
        using var admin = await fixture.ApiA.Admin();
        // Leased two minutes ago (StrandedLeaseAge is 90 s), and failed twice and waiting for its next try.
        await Message(attempts: 1, retrying: false, queuedSecondsAgo: 130, leasedSecondsAgo: 120);
        await Message(attempts: 2, retrying: true, queuedSecondsAgo: 300, leasedSecondsAgo: 60);
        try
        {
            var queue = await Await.Until(QueueView, q => q.GetProperty("stranded").GetInt64() >= 1, Patience, "the stranded lease to show");
            Assert.True(queue.GetProperty("oldestAgeSeconds").GetDouble() >= 300);
            Assert.True(queue.GetProperty("backlogAgeSeconds").GetDouble() < 30);
            Assert.False(queue.GetProperty("backpressure").GetProperty("active").GetBoolean());
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/products", ProductApi.Body("Beside a stranded lease"))).StatusCode);

            // A lease a live silo took 10 s ago on a message queued 2 minutes ago is a backlog.
            await Message(attempts: 1, retrying: false, queuedSecondsAgo: 120, leasedSecondsAgo: 10);
            var refused = await Await.Until(() => admin.PostAsJsonAsync("/api/products", ProductApi.Body("Behind a live lease")),
                r => r.StatusCode == HttpStatusCode.ServiceUnavailable, Patience, "a refused product write");
            Assert.Contains("old", (await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("detail").GetString());
        }
        finally
        {
            await ClearBacklog();
        }

        await CreatedOnceAccepted(admin, "After the backlog");
    }

    static Task<HttpResponseMessage> CreatedOnceAccepted(HttpClient admin, string name) =>
        Await.Until(() => admin.PostAsJsonAsync("/api/products", ProductApi.Body(name)),
            r => r.StatusCode == HttpStatusCode.Created, Patience, "an accepted product write");

    async Task<System.Text.Json.JsonElement> QueueView() =>
        (await fixture.ApiB.Anonymous().GetFromJsonAsync<System.Text.Json.JsonElement>("/api/cluster")).GetProperty("queue");
}
