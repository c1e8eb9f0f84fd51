using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Api;

/// <summary>Every route that takes a body or parameters is sent the invalid inputs <see cref="BadInputs"/>
/// derives from its documented schemas, on a real cluster. Each must be refused with a 4xx problem that, for a
/// 400, names the offending field; none may answer 5xx, and nothing may change.</summary>
[Collection(ApiDocumentCollection.Name)]
public sealed class GeneratedBadInputTests(ApiDocumentFixture fixture)
{
    /// <summary>A valid body for each operation that reads one; the generator breaks it one place at a time.</summary>
    static JsonNode ValidBody(string operationId, string category) => operationId switch
    {
        "RegisterUser" => new JsonObject { ["userName"] = "new" + Guid.NewGuid().ToString("N")[..10], ["displayName"] = "New", ["password"] = "long-enough-password" },
        "SignIn" => new JsonObject { ["userName"] = "someone", ["password"] = "long-enough-password" },
        "CreateProduct" or "ReplaceProduct" => JsonSerializer.SerializeToNode(ProductApi.Body("Bad input target", category))!,
        "SetCartLine" => new JsonObject { ["quantity"] = 1 },
        "AddReview" => new JsonObject { ["rating"] = 4, ["text"] = "Fine." },
        "SaveArticle" => new JsonObject { ["title"] = "Title", ["markdown"] = "Text." },
        _ => throw new InvalidOperationException($"The test has no valid body for {operationId}: add one."),
    };

    /// <summary>Operations whose answer to a bad path value may be a success: removing what is not there is
    /// a no-op by contract (the state check below still requires that nothing changed).</summary>
    static readonly HashSet<string> IdempotentRemovals = ["RemoveCartLine"];

    [Fact]
    public async Task Bad_input_derived_from_the_document_is_refused_with_a_problem_that_names_it_and_changes_nothing()
    {
        var api = fixture.ApiA;
        using var admin = await api.Admin();
        var user = await api.SignUpAndIn();
        var friend = await api.SignUpAndIn();
        using var asUser = api.WithToken(user.Token);
        var category = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var productId = (await admin.CreateProduct(ProductApi.Body("Bad input target", category))).Id();
        var slug = "bad-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await asUser.PutAsJsonAsync($"/api/sessions/current/cart/{productId}", new { quantity = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await asUser.PutAsJsonAsync($"/api/articles/{slug}", new { title = "Kept", markdown = "kept" })).StatusCode);
        await Await.Until(() => api.Anonymous().GetFromJsonAsync<JsonElement>($"/api/articles/{slug}"),
            article => article.GetProperty("status").GetString() == "rendered", TimeSpan.FromSeconds(20), "the article's page");
        var jobId = (await (await asUser.PostAsync($"/api/users/{user.UserId}/exports", null)).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("jobId").GetString()!;
        // The listing is filled by queued work: the state compared before and after must not include it arriving.
        await Await.Until(() => api.Anonymous().GetFromJsonAsync<JsonElement>($"/api/products?category={category}"),
            listing => listing.GetProperty("total").GetInt32() == 1, TimeSpan.FromSeconds(30), "the product's listing");
        var before = await State(api, user, productId, slug, category);

        string PathValue(string name, string template) => name switch
        {
            "id" => template.StartsWith("/api/products", StringComparison.Ordinal) ? productId : user.UserId,
            "productId" => productId,
            "friendId" => friend.UserId,
            "slug" => slug,
            "jobId" => jobId,
            _ => throw new InvalidOperationException($"The test has no value for the path parameter {{{name}}}: add one."),
        };

        var inputs = new BadInputs(fixture.Document);
        var cases = new List<(string Operation, string Method, string Url, BadInput Input, bool Admin)>();
        foreach (var (template, method, operation) in fixture.Document.Operations())
        {
            var operationId = operation.GetProperty("operationId").GetString()!;
            var asAdmin = operationId is "CreateProduct" or "ReplaceProduct" or "DeleteProduct";
            var parameters = operation.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
            string Url(string? badName, string? badValue, bool inPath)
            {
                var url = template;
                foreach (var parameter in parameters.Where(x => x.GetProperty("in").GetString() == "path"))
                {
                    var name = parameter.GetProperty("name").GetString()!;
                    var value = inPath && name == badName ? badValue! : Uri.EscapeDataString(PathValue(name, template));
                    url = url.Replace("{" + name + "}", value);
                }
                return !inPath && badName is not null ? $"{url}?{badName}={badValue}" : url;
            }

            foreach (var parameter in parameters)
            {
                var name = parameter.GetProperty("name").GetString()!;
                var inPath = parameter.GetProperty("in").GetString() == "path";
                foreach (var value in BadInputs.ForParameter(fixture.Document.Resolve(parameter.GetProperty("schema")), inPath))
                    cases.Add((operationId, method, Url(name, value, inPath), new BadInput(inPath ? null : name, $"{name}={Short(value)}", null), asAdmin));
            }
            if (fixture.Document.RequestSchema(method, template) is { } schema)
            {
                foreach (var input in inputs.ForBody(schema, ValidBody(operationId, category)))
                    cases.Add((operationId, method, Url(null, null, false), input, asAdmin));
            }
        }
        Assert.True(cases.Count > 300, $"only {cases.Count} bad inputs were derived: the document lost its schemas");

        var failures = new List<string>();
        foreach (var batch in cases.Chunk(8))
        {
            await Task.WhenAll(batch.Select(async c =>
            {
                using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Url);
                request.Headers.Authorization = c.Admin ? admin.DefaultRequestHeaders.Authorization : new AuthenticationHeaderValue("Bearer", user.Token);
                if (c.Input.Body is { } body)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.Input.ContentType);
                }
                using var http = api.Anonymous();
                var response = await http.SendAsync(request);
                var problem = await Judge(response, c.Input, IdempotentRemovals.Contains(c.Operation));
                if (problem is not null)
                    lock (failures)
                        failures.Add($"{c.Operation} {c.Method} {Short(c.Url)} [{(c.Input.Field is null ? "" : c.Input.Field + ": ")}{c.Input.What}] → {problem}");
            }));
        }

        var after = await State(api, user, productId, slug, category);
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} bad inputs were not refused as they should be:\n"
            + string.Join("\n", failures.Order()));
        Assert.Equal(before, after);
    }

    /// <summary>Null when the answer is right for the bad input, else what is wrong with it.</summary>
    static async Task<string?> Judge(HttpResponseMessage response, BadInput input, bool mayBeNoOp)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (mayBeNoOp && status == 200)
            return null;
        if (status is < 400 or >= 500)
            return $"{status} {Short(text)}";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"{status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {Short(text)}";
        if (status != 400 || input.Field is null)
            return null;
        var problem = JsonDocument.Parse(text).RootElement;
        var named = problem.TryGetProperty("errors", out var errors)
                    && errors.EnumerateObject().Any(e => Names(e.Name, input.Field))
                    || problem.TryGetProperty("detail", out var detail) && detail.GetString()?.Contains(input.Field) == true;
        return named ? null : $"400 does not name '{input.Field}': {Short(text)}";
    }

    /// <summary>The error's key is the field, a part of it, or the whole it is part of (a wrong type for
    /// <c>prices[0]</c> may be reported there when <c>prices[0].amount</c> was broken).</summary>
    static bool Names(string key, string field) =>
        key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal)
        || field.StartsWith(key + ".", StringComparison.Ordinal) || field.StartsWith(key + "[", StringComparison.Ordinal);

    /// <summary>What the bad inputs could have changed, as the API shows it.</summary>
    static async Task<string> State(ApiFactory api, SignedInUser user, string productId, string slug, string category)
    {
        using var http = api.WithToken(user.Token);
        var reads = new[]
        {
            $"/api/products/{productId}", $"/api/products/{productId}/reviews", $"/api/products?category={category}",
            "/api/sessions/current/cart", $"/api/articles/{slug}", $"/api/users/{user.UserId}", $"/api/users/{user.UserId}/friends",
        };
        var answers = await Task.WhenAll(reads.Select(async url =>
        {
            var response = await http.GetAsync(url);
            return $"{url} {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }));
        return string.Join("\n", answers);
    }

    static string Short(string text) => text.Length <= 160 ? text : text[..160] + "…";
}
