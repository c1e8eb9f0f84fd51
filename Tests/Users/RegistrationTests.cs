using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Users;

public sealed class RegistrationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Registration_answers_201_with_the_new_user()
    {
        var userName = "Ada" + Guid.NewGuid().ToString("N")[..8];
        using var http = fixture.ApiA.Anonymous();

        var response = await http.PostAsJsonAsync("/api/users", new { userName, displayName = "Ada L.", password = "analytical-engine" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(userName, user.GetProperty("userName").GetString());
        Assert.Equal("Ada L.", user.GetProperty("displayName").GetString());
        Assert.False(user.TryGetProperty("password", out _));
        Assert.Equal($"/api/users/{user.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_name_have_exactly_one_winner()
    {
        var userName = "race" + Guid.NewGuid().ToString("N")[..8];
        var attempts = Enumerable.Range(0, 12).Select(async i =>
        {
            using var http = (i % 2 == 0 ? fixture.ApiA : fixture.ApiB).Anonymous();
            // Different cases of one name: uniqueness ignores case.
            var name = i % 3 == 0 ? userName.ToUpperInvariant() : userName;
            return (await http.PostAsJsonAsync("/api/users", new { userName = name, displayName = "Racer", password = $"password-{i}" })).StatusCode;
        });

        var statuses = await Task.WhenAll(attempts);

        Assert.Single(statuses, s => s == HttpStatusCode.Created);
        Assert.Equal(11, statuses.Count(s => s == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task A_taken_name_answers_409_in_any_case()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiB.Anonymous();

        var response = await http.PostAsJsonAsync("/api/users", new { userName = user.UserName.ToUpperInvariant(), displayName = "Copy", password = "another-password" });

        await response.AssertProblem(HttpStatusCode.Conflict);
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"userName":"ab","displayName":"x","password":"long-enough"}""", "userName" },
        { """{"userName":"has space","displayName":"x","password":"long-enough"}""", "userName" },
        { """{"displayName":"x","password":"long-enough"}""", "userName" },
        { """{"userName":"valid-name","password":"long-enough"}""", "displayName" },
        { """{"userName":"valid-name","displayName":"x","password":"short"}""", "password" },
        { """{"userName":42,"displayName":"x","password":"long-enough"}""", "userName" },
        { """{"userName":"valid-name","displayName":["x"],"password":"long-enough"}""", "displayName" },
    };

    [Theory, MemberData(nameof(InvalidBodies))]
    public async Task Invalid_registrations_name_the_field_and_create_nothing(string body, string field)
    {
        var userName = "valid-name";
        using var http = fixture.ApiA.Anonymous();

        var response = await http.PostAsync("/api/users", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertFieldError(field);
        var signIn = await http.PostAsJsonAsync("/api/sessions", new { userName, password = "long-enough" });
        await signIn.AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        using var http = fixture.ApiA.Anonymous();

        var response = await http.PostAsync("/api/users", new StringContent("""{"userName": "x", """, Encoding.UTF8, "application/json"));

        await response.AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        using var http = fixture.ApiA.Anonymous();

        var response = await http.PostAsync("/api/users", new StringContent("userName=x", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await response.AssertProblem(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_creates_nothing()
    {
        var userName = "big" + Guid.NewGuid().ToString("N")[..8];
        using var http = fixture.ApiA.Anonymous();
        var huge = JsonSerializer.Serialize(new { userName, displayName = new string('x', 300 * 1024), password = "long-enough" });

        var response = await http.PostAsync("/api/users", new StringContent(huge, Encoding.UTF8, "application/json"));

        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        var retry = await http.PostAsJsonAsync("/api/users", new { userName, displayName = "Small", password = "long-enough" });
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
    }

    [Fact]
    public async Task Unknown_routes_are_404_problems()
    {
        using var http = fixture.ApiA.Anonymous();

        await (await http.GetAsync("/api/no-such-thing")).AssertProblem(HttpStatusCode.NotFound);
    }
}
