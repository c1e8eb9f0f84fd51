using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansScale.Products;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Products;

public sealed class ProductApiTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Created_product_is_served_with_its_version_as_etag_and_304_when_unchanged()
    {
        using var admin = await fixture.ApiA.Admin();
        var created = await admin.PostAsJsonAsync("/api/products", ProductApi.Body("Dune"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var product = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var id = product.Id();
        Assert.Equal($"/api/products/{id}", created.Headers.Location!.ToString());
        Assert.Equal(1, product.GetProperty("version").GetInt64());
        Assert.Equal(0, product.GetProperty("reviews").GetArrayLength());
        Assert.Equal(0, product.GetProperty("rating").GetProperty("count").GetInt64());
        Assert.Equal(12.34m, product.GetProperty("prices")[0].GetProperty("amount").GetDecimal());

        using var anonymous = fixture.ApiB.Anonymous();
        var read = await anonymous.GetAsync($"/api/products/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag!.Tag);
        Assert.Equal("application/json", read.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Dune", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{id}");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));
        var notModified = await anonymous.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal("\"1\"", notModified.Headers.ETag!.Tag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Replace_with_a_stale_if_match_is_412_and_changes_nothing()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Original"))).Id();

        var replaced = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Second"), "\"1\""));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("\"2\"", replaced.Headers.ETag!.Tag);
        Assert.Equal(2, (await replaced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());

        await (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Lost update"), "\"1\""))).AssertProblem(HttpStatusCode.PreconditionFailed);

        using var anonymous = fixture.ApiB.Anonymous();
        var current = await anonymous.GetFromJsonAsync<JsonElement>($"/api/products/{id}");
        Assert.Equal("Second", current.GetProperty("name").GetString());
        Assert.Equal(2, current.GetProperty("version").GetInt64());
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{id}");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(stale)).StatusCode);
    }

    [Fact]
    public async Task Only_administrators_write_products()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        using var signedIn = fixture.ApiA.WithToken(user.Token);
        using var anonymous = fixture.ApiA.Anonymous();
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();

        await (await anonymous.PostAsJsonAsync("/api/products", ProductApi.Body())).AssertProblem(HttpStatusCode.Unauthorized);
        await (await signedIn.PostAsJsonAsync("/api/products", ProductApi.Body())).AssertProblem(HttpStatusCode.Forbidden);
        await (await signedIn.SendAsync(ProductApi.Put(id, ProductApi.Body()))).AssertProblem(HttpStatusCode.Forbidden);
        await (await signedIn.DeleteAsync($"/api/products/{id}")).AssertProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Deleted_product_is_404_everywhere()
    {
        using var admin = await fixture.ApiA.Admin();
        var user = await fixture.ApiA.SignUpAndIn();
        using var signedIn = fixture.ApiB.WithToken(user.Token);
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync($"/api/products/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/products/{id}")).StatusCode);

        await (await signedIn.GetAsync($"/api/products/{id}")).AssertProblem(HttpStatusCode.NotFound);
        await (await signedIn.GetAsync($"/api/products/{id}/reviews")).AssertProblem(HttpStatusCode.NotFound);
        await (await signedIn.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 5, text = "late" })).AssertProblem(HttpStatusCode.NotFound);
        await (await signedIn.PutAsJsonAsync($"/api/sessions/current/cart/{id}", new { quantity = 1 })).AssertProblem(HttpStatusCode.NotFound);
        await (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body()))).AssertProblem(HttpStatusCode.NotFound);
        await (await admin.DeleteAsync($"/api/products/{id}")).AssertProblem(HttpStatusCode.NotFound);
        await (await signedIn.GetAsync("/api/products/not-an-id")).AssertProblem(HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string> InvalidProducts => new()
    {
        { """{"description":"d","category":"books","prices":[{"currency":"USD","amount":1}]}""", "name" },
        { """{"name":"","category":"books","prices":[{"currency":"USD","amount":1}]}""", "name" },
        { $$"""{"name":"{{new string('n', 201)}}","category":"books","prices":[{"currency":"USD","amount":1}]}""", "name" },
        { $$"""{"name":"n","description":"{{new string('d', 5001)}}","category":"books","prices":[{"currency":"USD","amount":1}]}""", "description" },
        { """{"name":"n","category":"Books","prices":[{"currency":"USD","amount":1}]}""", "category" },
        { """{"name":"n","category":"sci fi","prices":[{"currency":"USD","amount":1}]}""", "category" },
        { $$"""{"name":"n","category":"{{new string('c', 51)}}","prices":[{"currency":"USD","amount":1}]}""", "category" },
        { """{"name":"n","category":"books","prices":[]}""", "prices" },
        { """{"name":"n","category":"books"}""", "prices" },
        { "{\"name\":\"n\",\"category\":\"books\",\"prices\":[" + string.Join(",", "USD EUR GBP JPY CHF CAD AUD NZD SEK NOK DKK".Split(' ').Select(c => $"{{\"currency\":\"{c}\",\"amount\":1}}")) + "]}", "prices" },
        { """{"name":"n","category":"books","prices":[{"currency":"XYZ","amount":1}]}""", "prices[0].currency" },
        { """{"name":"n","category":"books","prices":[{"currency":"usd","amount":1}]}""", "prices[0].currency" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1},{"currency":"USD","amount":2}]}""", "prices[1].currency" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":-0.01}]}""", "prices[0].amount" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1000000000.01}]}""", "prices[0].amount" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1.001}]}""", "prices[0].amount" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":"1"}]}""", "prices[0].amount" },
        // Numbers a decimal would round: an underflow that became 0, and digits beyond a decimal's 28.
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1e-400}]}""", "prices[0].amount" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1.00000000000000000000000000001}]}""", "prices[0].amount" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1e400}]}""", "prices[0].amount" },
        // Text PostgreSQL cannot store as given: U+0000, and half a surrogate pair.
        { """{"name":"n\u0000","category":"books","prices":[{"currency":"USD","amount":1}]}""", "name" },
        { """{"name":"n","description":"d\u0000","category":"books","prices":[{"currency":"USD","amount":1}]}""", "description" },
        { """{"name":"n\ud800","category":"books","prices":[{"currency":"USD","amount":1}]}""", "name" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1}],"pictures":["/relative.jpg"]}""", "pictures[0]" },
        { """{"name":"n","category":"books","prices":[{"currency":"USD","amount":1}],"pictures":["ftp://example.com/a.jpg"]}""", "pictures[0]" },
        { $$"""{"name":"n","category":"books","prices":[{"currency":"USD","amount":1}],"pictures":["https://example.com/{{new string('p', 2000)}}"]}""", "pictures[0]" },
        { "{\"name\":\"n\",\"category\":\"books\",\"prices\":[{\"currency\":\"USD\",\"amount\":1}],\"pictures\":[" + string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"https://example.com/{i}.jpg\"")) + "]}", "pictures" },
    };

    [Theory]
    [MemberData(nameof(InvalidProducts))]
    public async Task Invalid_product_is_400_naming_the_field(string body, string field)
    {
        using var admin = await fixture.ApiA.Admin();

        var response = await admin.PostAsync("/api/products", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertFieldError(field);
    }

    [Fact]
    public async Task Boundary_values_are_accepted()
    {
        using var admin = await fixture.ApiA.Admin();
        var body = new
        {
            name = new string('n', 200),
            description = new string('d', 5000),
            category = "sci-fi-" + new string('c', 43),
            prices = "USD EUR GBP JPY CHF CAD AUD NZD SEK NOK".Split(' ').Select((c, i) => new { currency = c, amount = i == 0 ? 1_000_000_000m : 0m }),
            pictures = Enumerable.Range(0, 20).Select(i => $"http://example.com/{i}.jpg"),
        };

        await admin.CreateProduct(body);
    }

    public static TheoryData<string, string> InvalidReviews => new()
    {
        { """{"text":"ok"}""", "rating" },
        { """{"rating":0,"text":"ok"}""", "rating" },
        { """{"rating":6,"text":"ok"}""", "rating" },
        { """{"rating":"5","text":"ok"}""", "rating" },
        { """{"rating":4.5,"text":"ok"}""", "rating" },
        { """{"rating":5}""", "text" },
        { """{"rating":5,"text":""}""", "text" },
        { $$"""{"rating":5,"text":"{{new string('t', 2001)}}"}""", "text" },
        { """{"rating":5,"text":"nul \u0000 inside"}""", "text" },
        { """{"rating":5,"text":"half a pair \udc00"}""", "text" },
    };

    [Theory]
    [MemberData(nameof(InvalidReviews))]
    public async Task Invalid_review_is_400_naming_the_field(string body, string field)
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();

        var response = await admin.PostAsync($"/api/products/{id}/reviews", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertFieldError(field);
    }

    [Fact]
    public async Task A_user_reviews_a_product_once_and_the_aggregate_counts_it()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        using var http = fixture.ApiB.WithToken(user.Token);

        var first = await http.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 4, text = "Good" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var review = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user.UserId, review.GetProperty("userId").GetString());
        await (await http.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 1, text = "Again" })).AssertProblem(HttpStatusCode.Conflict);
        await (await fixture.ApiA.Anonymous().PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 1, text = "x" })).AssertProblem(HttpStatusCode.Unauthorized);

        var product = await http.GetFromJsonAsync<JsonElement>($"/api/products/{id}");
        Assert.Equal(2, product.GetProperty("version").GetInt64());
        Assert.Equal(1, product.GetProperty("rating").GetProperty("count").GetInt64());
        Assert.Equal(4.0, product.GetProperty("rating").GetProperty("average").GetDouble());
        Assert.Equal(review.GetProperty("id").GetString(), Assert.Single(product.GetProperty("reviews").EnumerateArray()).GetProperty("id").GetString());

        // The author's review index is fed by queued work.
        var index = fixture.Cluster.Client.GetGrain<IUserReviewsGrain>(user.UserId);
        var reviews = await Await.Until(() => index.Page(10, null), r => r.Items.Count == 1, TimeSpan.FromSeconds(30), "the user's review index");
        Assert.Equal(id, reviews.Items[0].ProductId);
        Assert.Null(reviews.Next);
    }

    [Fact]
    public async Task Aggregate_keeps_the_newest_20_reviews_and_pages_reach_every_review()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body())).Id();
        var product = fixture.Cluster.Client.GetGrain<IProductGrain>(id);
        const int count = 123;
        for (var i = 0; i < count; i++)
            Assert.Equal(ReviewOutcome.Created, (await product.AddReview(new NewReview($"user-{i}", i % 5 + 1, $"review {i}"))).Outcome);
        Assert.Equal(ReviewOutcome.AlreadyReviewed, (await product.AddReview(new NewReview("user-7", 5, "again"))).Outcome);

        using var http = fixture.ApiB.Anonymous();
        var aggregate = await http.GetFromJsonAsync<JsonElement>($"/api/products/{id}");
        var recent = aggregate.GetProperty("reviews").EnumerateArray().Select(r => r.GetProperty("text").GetString()).ToList();
        Assert.Equal(Enumerable.Range(count - 20, 20).Reverse().Select(i => $"review {i}"), recent);
        Assert.Equal(count, aggregate.GetProperty("rating").GetProperty("count").GetInt64());
        var expectedAverage = Math.Round(Enumerable.Range(0, count).Average(i => i % 5 + 1), 2);
        Assert.Equal(expectedAverage, aggregate.GetProperty("rating").GetProperty("average").GetDouble());

        var seen = new List<string>();
        for (var page = 1; ; page++)
        {
            var list = await http.GetFromJsonAsync<JsonElement>($"/api/products/{id}/reviews?page={page}&pageSize=30");
            Assert.Equal(count, list.GetProperty("total").GetInt64());
            Assert.Equal(30, list.GetProperty("pageSize").GetInt32());
            var items = list.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("text").GetString()!).ToList();
            if (items.Count == 0)
                break;
            seen.AddRange(items);
        }
        Assert.Equal(Enumerable.Range(0, count).Reverse().Select(i => $"review {i}"), seen);
        var defaults = await http.GetFromJsonAsync<JsonElement>($"/api/products/{id}/reviews");
        Assert.Equal(20, defaults.GetProperty("items").GetArrayLength());
        Assert.Equal(1, defaults.GetProperty("page").GetInt32());

        await (await http.GetAsync($"/api/products/{id}/reviews?pageSize=101")).AssertFieldError("pageSize");
        await (await http.GetAsync($"/api/products/{id}/reviews?page=0")).AssertFieldError("page");
        await (await http.GetAsync($"/api/products/{id}/reviews?page=x")).AssertFieldError("page");
    }
}
