using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Sessions;

public sealed class SessionApiTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Session_created_on_one_api_clone_works_on_another()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var onB = fixture.ApiB.WithToken(user.Token);

        var current = await onB.GetFromJsonAsync<JsonElement>("/api/sessions/current");

        Assert.Equal(user.UserId, current.GetProperty("userId").GetString());
        Assert.Equal(user.UserName, current.GetProperty("userName").GetString());
    }

    [Fact]
    public async Task Signing_out_on_one_clone_kills_the_session_on_the_other_at_once()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var onA = fixture.ApiA.WithToken(user.Token);
        using var onB = fixture.ApiB.WithToken(user.Token);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/api/sessions/current")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await onB.DeleteAsync("/api/sessions/current")).StatusCode);

        await (await onA.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await onB.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Sign_in_sets_an_http_only_session_cookie_that_authenticates()
    {
        var userName = "cookie" + Guid.NewGuid().ToString("N")[..8];
        await fixture.ApiA.SignUpAndIn(userName);
        using var anonymous = fixture.ApiA.Anonymous();

        var response = await anonymous.PostAsJsonAsync("/api/sessions", new { userName, password = "correct-horse-battery" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("sid=", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        var token = cookie["sid=".Length..cookie.IndexOf(';')];
        Assert.True(token.Length >= 22, "at least 128 bits");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/sessions/current");
        request.Headers.Add("Cookie", $"sid={token}");
        Assert.Equal(HttpStatusCode.OK, (await fixture.ApiB.Anonymous().SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_user_name_holding_U0000_is_a_400_naming_the_field_not_a_server_error()
    {
        using var http = fixture.ApiA.Anonymous();

        var signIn = await http.PostAsync("/api/sessions", new StringContent(
            """{"userName":"nul\u0000name","password":"correct-horse-battery"}""", System.Text.Encoding.UTF8, "application/json"));
        var signUp = await http.PostAsync("/api/users", new StringContent(
            """{"userName":"nul\u0000name","displayName":"Nul","password":"correct-horse-battery"}""", System.Text.Encoding.UTF8, "application/json"));

        await signIn.AssertFieldError("userName");
        await signUp.AssertFieldError("userName");
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_answer()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.Anonymous();

        var wrongPassword = await (await http.PostAsJsonAsync("/api/sessions", new { userName = user.UserName, password = "not-the-password" }))
            .AssertProblem(HttpStatusCode.Unauthorized);
        var unknownUser = await (await http.PostAsJsonAsync("/api/sessions", new { userName = "nobody" + Guid.NewGuid().ToString("N")[..8], password = "not-the-password" }))
            .AssertProblem(HttpStatusCode.Unauthorized);

        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownUser.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Failed_sign_ins_are_limited_per_user_name_across_api_clones()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var a = fixture.ApiA.Anonymous();
        using var b = fixture.ApiB.Anonymous();
        for (var i = 0; i < 10; i++)
        {
            var via = i % 2 == 0 ? a : b;
            await (await via.PostAsJsonAsync("/api/sessions", new { userName = user.UserName, password = "wrong" }))
                .AssertProblem(HttpStatusCode.Unauthorized);
        }

        var refused = await a.PostAsJsonAsync("/api/sessions", new { userName = user.UserName, password = "correct-horse-battery" });

        await refused.AssertProblem(HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Session_expires_after_the_idle_time_and_slides_on_use()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiA.WithToken(user.Token);

        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions/current")).StatusCode);
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions/current")).StatusCode);
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(31));

        await (await http.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_are_401()
    {
        using var none = fixture.ApiA.Anonymous();
        using var forged = fixture.ApiA.WithToken("not-a-token");
        using var unknown = fixture.ApiA.WithToken(new string('A', 43));

        await (await none.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await forged.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await unknown.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_configured_administrator_can_sign_in()
    {
        var admin = await fixture.ApiB.SignIn(ClusterFixture.AdminUserName, ClusterFixture.AdminPassword);

        Assert.False(string.IsNullOrEmpty(admin.UserId));
    }
}
