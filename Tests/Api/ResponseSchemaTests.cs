using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Api;

/// <summary>Real answers of the main routes, successes and problems, are what the document says they are.</summary>
[Collection(ApiDocumentCollection.Name)]
public sealed class ResponseSchemaTests(ApiDocumentFixture fixture)
{
    [Fact]
    public async Task Answers_of_the_main_routes_match_the_documented_schemas()
    {
        var checks = new AnswerChecks(fixture.Document);
        var api = fixture.ApiA;
        using var anonymous = api.Anonymous();
        using var admin = await api.Admin();

        // Users and sessions.
        var name = "doc" + Guid.NewGuid().ToString("N")[..10];
        await checks.Check("POST", "/api/users", await anonymous.PostAsJsonAsync("/api/users",
            new { userName = name, displayName = "Doc User", password = "long-enough-password" }));
        await checks.Check("POST", "/api/users", await anonymous.PostAsJsonAsync("/api/users",
            new { userName = name.ToUpperInvariant(), displayName = "Again", password = "long-enough-password" })); // 409
        await checks.Check("POST", "/api/users", await anonymous.PostAsJsonAsync("/api/users", new { userName = "x" })); // 400
        await checks.Check("POST", "/api/sessions", await anonymous.PostAsJsonAsync("/api/sessions",
            new { userName = name, password = "wrong-password!" })); // 401
        var signedIn = await checks.Check("POST", "/api/sessions", await anonymous.PostAsJsonAsync("/api/sessions",
            new { userName = name, password = "long-enough-password" }));
        var userId = signedIn!.Value.GetProperty("userId").GetString()!;
        using var user = api.WithToken(signedIn.Value.GetProperty("sessionId").GetString()!);
        var friend = await api.SignUpAndIn();
        await checks.Check("GET", "/api/sessions/current", await anonymous.GetAsync("/api/sessions/current")); // 401

        // Products, catalogue, reviews.
        var category = "doc-" + Guid.NewGuid().ToString("N")[..8];
        var created = await checks.Check("POST", "/api/products", await admin.PostAsJsonAsync("/api/products", ProductApi.Body("Doc book", category)));
        var id = created!.Value.GetProperty("id").GetString()!;
        await checks.Check("POST", "/api/products", await user.PostAsJsonAsync("/api/products", ProductApi.Body())); // 403
        await checks.Check("GET", "/api/products/{id}", await anonymous.GetAsync($"/api/products/{id}"));
        await checks.Check("GET", "/api/products/{id}", await anonymous.GetAsync($"/api/products/{Guid.NewGuid():N}")); // 404
        await checks.Check("PUT", "/api/products/{id}", await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Doc book 2", category), "\"1\"")));
        await checks.Check("PUT", "/api/products/{id}", await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Stale", category), "\"1\""))); // 412
        await checks.Check("POST", "/api/products/{id}/reviews", await user.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 4, text = "Good." }));
        await checks.Check("POST", "/api/products/{id}/reviews", await user.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 4, text = "Again." })); // 409
        await checks.Check("GET", "/api/products/{id}/reviews", await anonymous.GetAsync($"/api/products/{id}/reviews?page=1&pageSize=5"));
        await checks.Check("GET", "/api/products/{id}", await anonymous.GetAsync($"/api/products/{id}")); // with a review
        await checks.Check("GET", "/api/products", await anonymous.GetAsync($"/api/products?category={category}&sort=price"));
        await checks.Check("GET", "/api/products", await anonymous.GetAsync("/api/products?pageSize=500")); // 400

        // Cart.
        await checks.Check("PUT", "/api/sessions/current/cart/{productId}", await user.PutAsJsonAsync($"/api/sessions/current/cart/{id}", new { quantity = 2 }));
        await checks.Check("PUT", "/api/sessions/current/cart/{productId}",
            await user.PutAsJsonAsync($"/api/sessions/current/cart/{Guid.NewGuid():N}", new { quantity = 2 })); // 404
        await checks.Check("GET", "/api/sessions/current/cart", await user.GetAsync("/api/sessions/current/cart"));
        await checks.Check("GET", "/api/sessions/current", await user.GetAsync("/api/sessions/current"));
        await checks.Check("DELETE", "/api/sessions/current/cart/{productId}", await user.DeleteAsync($"/api/sessions/current/cart/{id}"));

        // Friends and activities.
        await checks.Check("PUT", "/api/users/{id}/friends/{friendId}", await user.PutAsync($"/api/users/{userId}/friends/{friend.UserId}", null));
        await checks.Check("PUT", "/api/users/{id}/friends/{friendId}", await user.PutAsync($"/api/users/{friend.UserId}/friends/{userId}", null)); // 403
        await checks.Check("GET", "/api/users/{id}", await anonymous.GetAsync($"/api/users/{userId}"));
        await checks.Check("GET", "/api/users/{id}", await anonymous.GetAsync($"/api/users/{Guid.NewGuid():N}")); // 404
        await checks.Check("GET", "/api/users/{id}/friends", await anonymous.GetAsync($"/api/users/{userId}/friends"));
        await Await.Until(() => anonymous.GetFromJsonAsync<JsonElement>($"/api/users/{userId}/activities"),
            page => page.GetProperty("items").GetArrayLength() > 0, TimeSpan.FromSeconds(10), "an activity");
        await checks.Check("GET", "/api/users/{id}/activities", await anonymous.GetAsync($"/api/users/{userId}/activities?limit=1"));
        await checks.Check("GET", "/api/users/{id}/feed", await user.GetAsync($"/api/users/{userId}/feed"));
        await checks.Check("GET", "/api/users/{id}/feed", await user.GetAsync($"/api/users/{friend.UserId}/feed")); // 403

        // Articles.
        var slug = "doc-" + Guid.NewGuid().ToString("N")[..8];
        await checks.Check("PUT", "/api/articles/{slug}", await user.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Doc", markdown = "# Doc" }));
        await checks.Check("GET", "/api/articles/{slug}", await anonymous.GetAsync($"/api/articles/{slug}"));
        await checks.Check("GET", "/api/articles/{slug}", await anonymous.GetAsync("/api/articles/no-such-article")); // 404
        await checks.Check("GET", "/articles/{slug}", await anonymous.GetAsync("/articles/no-such-article")); // 404

        // Jobs.
        var accepted = await checks.Check("POST", "/api/users/{id}/exports", await user.PostAsync($"/api/users/{userId}/exports", null));
        var jobId = accepted!.Value.GetProperty("jobId").GetString()!;
        await checks.Check("GET", "/api/jobs/{jobId}", await user.GetAsync($"/api/jobs/{jobId}"));
        await checks.Check("GET", "/api/jobs/{jobId}", await user.GetAsync($"/api/jobs/{Guid.NewGuid():N}")); // 404
        await Await.Until(() => user.GetAsync($"/api/jobs/{jobId}/result"), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "the export");
        await checks.Check("GET", "/api/jobs/{jobId}/result", await user.GetAsync($"/api/jobs/{jobId}/result"));
        await checks.Check("POST", "/api/users/{id}/exports", await user.PostAsync($"/api/users/{friend.UserId}/exports", null)); // 403

        // Cluster, deletes, sign-out.
        await checks.Check("GET", "/api/cluster", await anonymous.GetAsync("/api/cluster"));
        await checks.Check("DELETE", "/api/users/{id}/friends/{friendId}", await user.DeleteAsync($"/api/users/{userId}/friends/{friend.UserId}"));
        await checks.Check("DELETE", "/api/products/{id}", await admin.DeleteAsync($"/api/products/{id}"));
        await checks.Check("DELETE", "/api/products/{id}", await admin.DeleteAsync($"/api/products/{id}")); // 404
        await checks.Check("DELETE", "/api/sessions/current", await user.DeleteAsync("/api/sessions/current"));
        await checks.Check("GET", "/api/sessions/current/cart", await user.GetAsync("/api/sessions/current/cart")); // 401

        Assert.True(checks.Failures.Count == 0, $"{checks.Failures.Count} of {checks.Checked} answers differ from the document:\n"
            + string.Join("\n", checks.Failures));
    }
}
