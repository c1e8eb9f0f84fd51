using System.Net;
using System.Net.Http.Json;
using Npgsql;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Cluster;

/// <summary>A cluster that reaches PostgreSQL through a relay the test can cut (<see cref="PostgresCut"/>).</summary>
public sealed class DatabaseOutageFixture : ClusterFixture
{
    public PostgresCut Relay { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString);
        Relay = new PostgresCut(server.Host!, server.Port);
        await base.InitializeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ConnectionStrings:Postgres",
            new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Host = "127.0.0.1", Port = Relay.Port }.ConnectionString),
    ];

    public override async Task DisposeAsync()
    {
        Relay.Heal();
        await base.DisposeAsync();
        await Relay.DisposeAsync();
    }
}

/// <summary>While PostgreSQL cannot be reached, every write answers 503 with Retry-After (never 500), and
/// writes work again by themselves once it is back.</summary>
public sealed class DatabaseOutageTests(DatabaseOutageFixture fixture) : IClassFixture<DatabaseOutageFixture>
{
    [Fact]
    public async Task Every_write_answers_503_with_Retry_After_while_the_database_is_unreachable_and_works_again_after()
    {
        using var admin = await fixture.ApiA.Admin();
        var product = (await admin.CreateProduct(ProductApi.Body("Outage"))).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        var friend = await fixture.ApiA.SignUpAndIn();
        using var asUser = fixture.ApiB.WithToken(user.Token);
        using var anonymous = fixture.ApiB.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await asUser.PutAsJsonAsync($"/api/sessions/current/cart/{product}", new { quantity = 1 })).StatusCode);
        var slug = "outage-" + Guid.NewGuid().ToString("N")[..8];
        // Writes whose failure ends a grain that later writes need (the session, the product) come last, so
        // every route reaches its own storage or SQL rather than fail on reading a grain an earlier one ended.
        var writes = new (string Route, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("POST /api/products/{id}/reviews", () => asUser.PostAsJsonAsync($"/api/products/{product}/reviews", new { rating = 4, text = "During the outage" })),
            ("PUT /api/users/{id}/friends/{friendId}", () => asUser.PutAsync($"/api/users/{user.UserId}/friends/{friend.UserId}", null)),
            ("PUT /api/articles/{slug}", () => asUser.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Outage", markdown = "# During" })),
            ("POST /api/users/{id}/exports", () => asUser.PostAsync($"/api/users/{user.UserId}/exports", null)),
            ("POST /api/users", () => anonymous.PostAsJsonAsync("/api/users",
                new { userName = "o" + Guid.NewGuid().ToString("N")[..10], displayName = "Outage", password = "correct-horse-battery" })),
            ("POST /api/sessions", () => anonymous.PostAsJsonAsync("/api/sessions", new { userName = user.UserName, password = "correct-horse-battery" })),
            ("POST /api/products", () => admin.PostAsJsonAsync("/api/products", ProductApi.Body("During"))),
            ("PUT /api/products/{id}", () => admin.SendAsync(ProductApi.Put(product, ProductApi.Body("Changed")))),
            ("DELETE /api/products/{id}", () => admin.DeleteAsync($"/api/products/{product}")),
            ("DELETE /api/sessions/current/cart/{productId}", () => asUser.DeleteAsync($"/api/sessions/current/cart/{product}")),
            ("PUT /api/sessions/current/cart/{productId}", () => asUser.PutAsJsonAsync($"/api/sessions/current/cart/{product}", new { quantity = 2 })),
        };

        fixture.Relay.Cut();
        var wrong = new List<string>();
        try
        {
            foreach (var (route, send) in writes)
            {
                using var response = await send();
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null)
                    wrong.Add($"{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            fixture.Relay.Heal();
        }

        Assert.True(wrong.Count == 0, "Answered other than 503 with Retry-After while the database was unreachable:\n" + string.Join("\n", wrong));
        // Back by itself: the cart write goes through, and the product still reads as it was before the outage.
        await Await.Until(() => asUser.PutAsJsonAsync($"/api/sessions/current/cart/{product}", new { quantity = 3 }),
            response => response.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "a write after the database came back");
        var read = await ProductNearCacheTests.Read(anonymous, product);
        Assert.Equal("Outage", read.GetProperty("name").GetString());
    }
}
