using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Orleans.TestingHost;
using OrleansScale.Tests.Catalog;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Hosting;

/// <summary>One silo and one API with tracing on, as an OTLP endpoint would switch it on, whose tracers also
/// export every span to <see cref="Spans"/>.</summary>
public sealed class TracingFixture : ClusterFixture
{
    public static RecordedSpans Spans { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new(TraceSettings.EnabledKey, "true")];

    protected override bool OneSilo => true;

    protected override void ConfigureCluster(TestClusterBuilder builder) => builder.AddSiloBuilderConfigurator<RecordOnSilo>();

    protected override void ConfigureApi(IServiceCollection services) => Record(services);

    /// <summary>Adds to the host's own tracer, if it made one: a host with tracing off records nothing.</summary>
    static void Record(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));

    sealed class RecordOnSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => Record(silo.Services);
    }
}

public sealed class TracingTests(TracingFixture fixture) : IClassFixture<TracingFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_product_write_is_one_trace_from_the_request_through_the_grain_call_to_its_sql()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Traced"))).Id();

        var replaced = await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("Traced again")));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        var request = await ServerSpan("PUT", $"/api/products/{id}");
        var trace = TracingFixture.Spans.OfTrace(request.TraceId);
        var shape = RecordedSpans.Describe(trace);
        Assert.True(request.ParentSpanId == default, shape);
        Assert.Equal("PUT /api/products/{id}", request.DisplayName);

        // The API's call to the grain, the grain's side of it, its state written through Orleans' ADO.NET
        // storage, and the statement that wrote it: each the child of the one before.
        var call = Single(trace, "IProductGrain/Replace", ActivityKind.Client, shape);
        var handled = Single(trace, "IProductGrain/Replace", ActivityKind.Server, shape);
        var storage = Assert.Single(trace, s => s.Source.Name == "Microsoft.Orleans.Storage" && s.ParentSpanId == handled.SpanId);
        var sql = Assert.Single(trace, s => s.Source.Name == "Npgsql" && s.ParentSpanId == storage.SpanId);
        Assert.True(call.ParentSpanId == request.SpanId, shape);
        Assert.True(handled.ParentSpanId == call.SpanId, shape);
        Assert.Contains("orleans_storage_write", Statement(sql));

        // One trace: no span of this call was recorded under another trace id.
        var everyReplace = TracingFixture.Spans.All().Where(s => s.DisplayName.EndsWith("IProductGrain/Replace", StringComparison.Ordinal)
            && s.GetTagItem("orleans.rpc.target_id")?.ToString()?.Contains(id, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, everyReplace.Count);
        Assert.All(everyReplace, s => Assert.Equal(request.TraceId, s.TraceId));
    }

    [Fact]
    public async Task Sql_of_a_grains_own_connection_pool_is_traced_under_the_grain_call()
    {
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Reviewed"))).Id();
        var reviewer = await fixture.ApiA.SignUpAndIn();
        using var signedIn = fixture.ApiA.WithToken(reviewer.Token);

        var reviewed = await signedIn.PostAsJsonAsync($"/api/products/{id}/reviews", new { rating = 4, text = "Traced." });
        Assert.Equal(HttpStatusCode.Created, reviewed.StatusCode);

        var request = await ServerSpan("POST", $"/api/products/{id}/reviews");
        var trace = TracingFixture.Spans.OfTrace(request.TraceId);
        var shape = RecordedSpans.Describe(trace);
        var handled = Single(trace, "IProductGrain/AddReview", ActivityKind.Server, shape);
        // The review's row goes through the reviews' own data source (Grains/DedicatedPool), not Orleans' storage.
        var row = Assert.Single(trace, s => s.Source.Name == "Npgsql" && Statement(s).Contains("INSERT INTO product_review"));
        Assert.True(row.ParentSpanId == handled.SpanId, shape);
    }

    [Fact]
    public async Task Only_http_requests_start_traces()
    {
        // A product write queues work. By the time its row is in the catalog table the queue has been polled and
        // the work delivered and done, and the membership table and the gateway list have been read: all of it
        // with no request behind it, all of it run by silos and APIs that record spans.
        using var admin = await fixture.ApiA.Admin();
        var id = (await admin.CreateProduct(ProductApi.Body("Projected"))).Id();
        await fixture.Database.AwaitRow(id, 1);

        await Await.Until(() => Task.FromResult(TracesWithoutRequest()), traces => traces.Length == 0, Patience,
            "every recorded trace to start at an HTTP request");
    }

    /// <summary>The recorded traces with no request at their root, one paragraph each; empty when there are none.</summary>
    static string TracesWithoutRequest() => string.Join("\n\n", TracingFixture.Spans.All().GroupBy(s => s.TraceId)
        .Where(trace => !trace.Any(s => s.ParentSpanId == default && s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"))
        .Select(trace => RecordedSpans.Describe(trace)));

    public static TheoryData<string, string, string?, HttpStatusCode> Problems => new()
    {
        { "GET", "/api/products/not-an-id", null, HttpStatusCode.NotFound },        // an endpoint's own answer
        { "POST", "/api/users", "{\"userName\":", HttpStatusCode.BadRequest },       // the exception handler's
        { "GET", "/api/no-such-route", null, HttpStatusCode.NotFound },             // the status code pages'
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public async Task A_problem_names_the_trace_of_its_request(string method, string path, string? body, HttpStatusCode status)
    {
        using var http = fixture.ApiA.Anonymous();
        using var message = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
            message.Content = new StringContent(body, Encoding.UTF8, "application/json");

        var problem = await (await http.SendAsync(message)).AssertProblem(status);

        var traceId = problem.GetProperty("traceId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var request = await Await.Until(
            () => Task.FromResult(TracingFixture.Spans.All().SingleOrDefault(s =>
                s.Kind == ActivityKind.Server && s.TraceId.ToHexString() == traceId)),
            span => span is not null, Patience, $"a server span of trace {traceId}");
        Assert.Equal(path, request!.GetTagItem("url.path"));
        Assert.Equal((int)status, Convert.ToInt32(request.GetTagItem("http.response.status_code")));
    }

    [Fact]
    public async Task A_signed_in_cart_read_asks_the_session_grain_once()
    {
        using var admin = await fixture.ApiA.Admin();
        var product = (await admin.CreateProduct(ProductApi.Body("In a cart"))).Id();
        var user = await fixture.ApiA.SignUpAndIn();
        using var shopper = fixture.ApiA.WithToken(user.Token);
        Assert.Equal(HttpStatusCode.OK,
            (await shopper.PutAsJsonAsync($"/api/sessions/current/cart/{product}", new { quantity = 2 })).StatusCode);

        var cart = await shopper.GetFromJsonAsync<JsonElement>("/api/sessions/current/cart");
        Assert.Equal(2, cart.GetProperty("items")[0].GetProperty("quantity").GetInt32());

        // Authentication's Touch brings the cart along: the read makes no second call.
        var request = await ServerSpan("GET", "/api/sessions/current/cart");
        var trace = TracingFixture.Spans.OfTrace(request.TraceId);
        var calls = trace.Where(s => s.Kind == ActivityKind.Client && s.DisplayName.Contains("ISessionGrain/", StringComparison.Ordinal)).ToList();
        Assert.True(calls.Count == 1 && calls[0].DisplayName.EndsWith("ISessionGrain/Touch", StringComparison.Ordinal),
            RecordedSpans.Describe(trace));
    }

    /// <summary>The API's span of the request, once it has ended (just after the answer was sent).</summary>
    static async Task<Activity> ServerSpan(string method, string path) => (await Await.Until(
        () => Task.FromResult(TracingFixture.Spans.All().SingleOrDefault(s =>
            s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"
            && Equals(s.GetTagItem("http.request.method"), method) && Equals(s.GetTagItem("url.path"), path))),
        span => span is not null, Patience, $"the server span of {method} {path}"))!;

    static Activity Single(List<Activity> trace, string method, ActivityKind kind, string shape)
    {
        var matching = trace.Where(s => s.Kind == kind && s.DisplayName.EndsWith(method, StringComparison.Ordinal)).ToList();
        Assert.True(matching.Count == 1, $"expected one {kind} span of {method} in:\n{shape}");
        return matching[0];
    }

    static string Statement(Activity sql) => sql.GetTagItem("db.query.text")?.ToString() ?? "";
}
