using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Jobs;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Jobs;

public sealed class ExportJobTests(JobsFixture fixture) : IClassFixture<JobsFixture>
{
    static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Export_runs_in_the_background_and_returns_the_users_profile_and_articles()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        var slug = "export-" + Guid.NewGuid().ToString("N")[..12];
        await http.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Exported", markdown = "my *words*" });

        var response = await http.PostAsync($"/api/users/{user.UserId}/exports", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        Assert.Equal($"/api/jobs/{jobId}", response.Headers.Location?.OriginalString);
        var job = await AwaitStatus(fixture.ApiB.WithToken(user.Token), jobId, "succeeded");
        Assert.Equal(JobKinds.UserExport, job.GetProperty("kind").GetString());
        Assert.Equal(100, job.GetProperty("progress").GetInt32());
        Assert.Equal(JsonValueKind.String, job.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.String, job.GetProperty("finishedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);

        var result = await fixture.ApiB.WithToken(user.Token).GetAsync($"/api/jobs/{jobId}/result");

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("application/json", result.Content.Headers.ContentType?.MediaType);
        var export = await result.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user.UserId, export.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(user.UserName, export.GetProperty("user").GetProperty("userName").GetString());
        var article = Assert.Single(export.GetProperty("articles").EnumerateArray());
        Assert.Equal(slug, article.GetProperty("slug").GetString());
        Assert.Equal("my *words*", article.GetProperty("markdown").GetString());
        // friends, reviews and activities come from other features' grains; the lead's merged suite checks them.
        Assert.True(export.TryGetProperty("friends", out _));
        Assert.True(export.TryGetProperty("reviews", out _));
        Assert.True(export.TryGetProperty("activities", out _));
    }

    [Fact]
    public async Task Job_goes_from_queued_through_running_to_succeeded_and_its_result_is_409_until_then()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        var jobId = Guid.NewGuid().ToString("N");
        var gate = GateJob.For(jobId);

        var queued = await fixture.Cluster.Client.GetGrain<IJobGrain>(jobId).Enqueue(new NewJob(GateJob.Kind, user.UserId, ""));

        Assert.Equal(JobStatus.Queued, queued.Status);
        var running = await AwaitStatus(http, jobId, "running");
        Assert.Equal(JsonValueKind.String, running.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, running.GetProperty("finishedAt").ValueKind);
        await (await http.GetAsync($"/api/jobs/{jobId}/result")).AssertProblem(HttpStatusCode.Conflict);
        gate.Release.SetResult();
        await AwaitStatus(http, jobId, "succeeded");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/jobs/{jobId}/result")).StatusCode);
    }

    [Fact]
    public async Task Only_the_owner_sees_a_job_and_exports_only_their_own_data()
    {
        var owner = await fixture.ApiA.SignUpAndIn();
        var someone = await fixture.ApiA.SignUpAndIn();
        var admin = await fixture.ApiA.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);
        var accepted = await fixture.ApiA.WithToken(owner.Token).PostAsync($"/api/users/{owner.UserId}/exports", null);
        var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await AwaitStatus(fixture.ApiA.WithToken(owner.Token), jobId, "succeeded");

        foreach (var other in new[] { someone, admin })
        {
            using var http = fixture.ApiB.WithToken(other.Token);
            var unknown = await (await http.GetAsync($"/api/jobs/{Guid.NewGuid():N}")).AssertProblem(HttpStatusCode.NotFound);
            var notTheirs = await (await http.GetAsync($"/api/jobs/{jobId}")).AssertProblem(HttpStatusCode.NotFound);
            Assert.Equal(unknown.GetProperty("title").GetString(), notTheirs.GetProperty("title").GetString());
            await (await http.GetAsync($"/api/jobs/{jobId}/result")).AssertProblem(HttpStatusCode.NotFound);
            await (await http.PostAsync($"/api/users/{owner.UserId}/exports", null)).AssertProblem(HttpStatusCode.Forbidden);
        }
        await (await fixture.ApiA.Anonymous().GetAsync($"/api/jobs/{jobId}")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_second_export_request_while_one_is_pending_returns_the_same_job()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var onA = fixture.ApiA.WithToken(user.Token);
        using var onB = fixture.ApiB.WithToken(user.Token);
        HeldExports.Hold(user.UserId);

        var responses = await Task.WhenAll(
            onA.PostAsync($"/api/users/{user.UserId}/exports", null),
            onB.PostAsync($"/api/users/{user.UserId}/exports", null));
        responses = [.. responses, await onB.PostAsync($"/api/users/{user.UserId}/exports", null)];

        var ids = await Task.WhenAll(responses.Select(async r =>
            (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!));
        Assert.All(ids, id => Assert.Equal(ids[0], id));
        HeldExports.Release(user.UserId);
        await AwaitStatus(onA, ids[0], "succeeded");
        var next = await onA.PostAsync($"/api/users/{user.UserId}/exports", null);
        Assert.NotEqual(ids[0], (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task Export_that_keeps_failing_ends_failed_with_a_readable_error_after_the_configured_attempts()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);
        // Two articles: over this cluster's Exports:MaxArticles of 1, so every attempt fails.
        foreach (var n in new[] { 1, 2 })
            await http.PutAsJsonAsync($"/api/articles/fail-{n}-{Guid.NewGuid().ToString("N")[..8]}", new { title = "t", markdown = "m" });

        var accepted = await http.PostAsync($"/api/users/{user.UserId}/exports", null);
        var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;

        var job = await AwaitStatus(http, jobId, "failed");
        Assert.Equal(3, job.GetProperty("attempts").GetInt32());
        var error = job.GetProperty("error").GetString()!;
        Assert.Contains("after 3 attempts", error);
        Assert.Contains("at most 1", error);
        Assert.DoesNotContain("Exception", error);
        await (await http.GetAsync($"/api/jobs/{jobId}/result")).AssertProblem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Result_expires_after_its_time_to_live()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        var accepted = await fixture.ApiA.WithToken(user.Token).PostAsync($"/api/users/{user.UserId}/exports", null);
        var jobId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await AwaitStatus(fixture.ApiA.WithToken(user.Token), jobId, "succeeded");

        ClusterFixture.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));

        var again = await fixture.ApiA.SignIn(user.UserName, "correct-horse-battery"); // the old session expired too
        await (await fixture.ApiA.WithToken(again.Token).GetAsync($"/api/jobs/{jobId}/result")).AssertProblem(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Dead_letters_of_the_queue_are_visible_to_operators()
    {
        using var http = fixture.ApiA.Anonymous();
        var before = await DeadLettersFailed(http);
        // What the provider writes when it gives up on a message (see deploy/sql/0009-queue-retries.sql).
        await fixture.Database.Scalar<int>($"""
            INSERT INTO orleans_stream_dead_letter (service_id, provider_id, queue_id, message_id, dequeued, visible_on,
                expires_on, created_on, modified_on, dead_on, remove_on, payload, reason)
            VALUES ('{fixture.Cluster.Options.ServiceId}', 'queue', 'queue-0', 1, 5, now(), now(), now(), now(), now(),
                now() + interval '1 day', '\x00', 'failed')
            """);

        // The API reads the queue at most once a second.
        var after = await Await.Until(() => DeadLettersFailed(http), n => n == before + 1, JobTimeout, "the new dead letter on /api/cluster");
        var metrics = await Await.Until(() => http.GetStringAsync("/metrics"),
            text => text.Contains("orleansscale_queue_dead_letters"), JobTimeout, "the dead-letter gauge");
        Assert.Matches(@"orleansscale_queue_dead_letters(_messages)?\{[^}]*reason=""failed""[^}]*\} " + after, metrics);
    }

    static async Task<long> DeadLettersFailed(HttpClient http)
    {
        var queue = (await http.GetFromJsonAsync<JsonElement>("/api/cluster")).GetProperty("queue");
        return queue.GetProperty("deadLettersByReason").TryGetProperty("failed", out var failed) ? failed.GetInt64() : 0;
    }

    internal static Task<JsonElement> AwaitStatus(HttpClient http, string jobId, string status) => Await.Until(
        () => http.GetFromJsonAsync<JsonElement>($"/api/jobs/{jobId}"),
        job => job.GetProperty("status").GetString() == status, JobTimeout, $"job {jobId} to be {status}");
}
