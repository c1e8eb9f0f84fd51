using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Api.Sessions;
using OrleansScale.Products;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Products;

public static partial class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var products = app.MapGroup("/api/products").WithTags("Products");
        products.MapGet("/{id}", GetProduct).WithName("GetProduct")
            .WithSummary("The product aggregate; 304 on a matching If-None-Match.")
            .Produces<ProductDocument>(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseHeader(StatusCodes.Status200OK, "ETag", VersionTag);
        products.MapPost("/", CreateProduct).WithName("CreateProduct").RequireAuthorization(SessionAuthentication.AdminPolicy).CreatesBackgroundWork()
            .AddEndpointFilter<RetryTransientFailuresFilter>()
            .WithSummary("Creates a product at version 1.")
            .Produces<ProductDocument>(StatusCodes.Status201Created)
            .WithResponseHeader(StatusCodes.Status201Created, "Location", "/api/products/{id}")
            .WithResponseHeader(StatusCodes.Status201Created, "ETag", VersionTag);
        products.MapPut("/{id}", ReplaceProduct).WithName("ReplaceProduct").RequireAuthorization(SessionAuthentication.AdminPolicy).CreatesBackgroundWork()
            .AddEndpointFilter<RetryTransientFailuresFilter>()
            .WithSummary("Replaces a product's details (not its reviews); with If-Match only at that version.")
            .Produces<ProductDocument>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithResponseHeader(StatusCodes.Status200OK, "ETag", VersionTag);
        products.MapDelete("/{id}", DeleteProduct).WithName("DeleteProduct").RequireAuthorization(SessionAuthentication.AdminPolicy).CreatesBackgroundWork()
            .AddEndpointFilter<RetryTransientFailuresFilter>()
            .WithSummary("Deletes a product; with If-Match only at that version.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        products.MapPost("/{id}/reviews", AddReview).WithName("AddReview").RequireAuthorization().CreatesBackgroundWork()
            .SafeToRepeat().AddEndpointFilter<RetryTransientFailuresFilter>()
            .WithSummary("Reviews a product; one review per user and product.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        products.MapGet("/{id}/reviews", GetReviews).WithName("GetReviews").AddEndpointFilter<RetryTransientFailuresFilter>()
            .WithSummary("Every review of a product, newest first, in pages.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    const string VersionTag = "The aggregate's version, as \"7\"; send it back in If-Match or If-None-Match.";

    /// <summary>The hot path: the aggregate's ready JSON from the product grain's memory (or from this
    /// process's near cache, when it is enabled), written as is. Outside the group's retry filter (the
    /// cache retries its own grain call), so a cached read pays for no filter.</summary>
    static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetProduct(
        string id, HttpContext http, ProductNearCache cache)
    {
        if (!IsProductId(id))
            return NotFound();
        var product = await cache.Get(id);
        if (product is null)
            return NotFound();
        http.Response.Headers.ETag = product.ETag;
        var ifNoneMatch = http.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0 && (ETags.IsAny(ifNoneMatch) || ETags.Versions(ifNoneMatch).Contains(product.Version)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(product.Json, "application/json");
    }

    static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> CreateProduct(
        ProductRequest request, HttpContext http, IGrainFactory grains)
    {
        var errors = ProductRules.Validate(request, out var details);
        if (!errors.IsValid)
            return errors.ToProblem();
        var id = NewProductId();
        var product = await grains.GetGrain<IProductGrain>(id).Create(details)
            ?? throw new InvalidOperationException($"Product id {id} was already used.");
        http.Response.Headers.Location = $"/api/products/{id}";
        http.Response.Headers.ETag = ETags.Format(product.Version);
        http.Response.StatusCode = StatusCodes.Status201Created;
        return TypedResults.Bytes(product.Json, "application/json");
    }

    static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ReplaceProduct(
        string id, ProductRequest request, HttpContext http, IGrainFactory grains)
    {
        if (!IsProductId(id))
            return NotFound();
        if (!ETags.TryExpected(http.Request.Headers.IfMatch, out var expected))
            return PreconditionFailed();
        var errors = ProductRules.Validate(request, out var details);
        if (!errors.IsValid)
            return errors.ToProblem();
        var write = await grains.GetGrain<IProductGrain>(id).Replace(details, expected);
        switch (write.Outcome)
        {
            case ProductWriteOutcome.NotFound:
                return NotFound();
            case ProductWriteOutcome.VersionMismatch:
                http.Response.Headers.ETag = ETags.Format(write.Product!.Version);
                return PreconditionFailed();
        }
        http.Response.Headers.ETag = ETags.Format(write.Product!.Version);
        return TypedResults.Bytes(write.Product.Json, "application/json");
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteProduct(string id, HttpContext http, IGrainFactory grains)
    {
        if (!IsProductId(id))
            return NotFound();
        if (!ETags.TryExpected(http.Request.Headers.IfMatch, out var expected))
            return PreconditionFailed();
        return await grains.GetGrain<IProductGrain>(id).Delete(expected) switch
        {
            ProductWriteOutcome.NotFound => NotFound(),
            ProductWriteOutcome.VersionMismatch => PreconditionFailed(),
            _ => TypedResults.NoContent(),
        };
    }

    static async Task<Results<Created<ReviewView>, ValidationProblem, ProblemHttpResult>> AddReview(
        string id, ReviewRequest request, HttpContext http, IGrainFactory grains)
    {
        if (!IsProductId(id))
            return NotFound();
        var errors = ProductRules.Validate(request);
        if (!errors.IsValid)
            return errors.ToProblem();
        var result = await grains.GetGrain<IProductGrain>(id).AddReview(
            new NewReview(http.Current().View.UserId, request.Rating!.Value, request.Text!));
        return result.Outcome switch
        {
            ReviewOutcome.NotFound => NotFound(),
            ReviewOutcome.AlreadyReviewed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "You have already reviewed this product."),
            _ => TypedResults.Created($"/api/products/{id}/reviews", result.Review),
        };
    }

    static async Task<Results<Ok<ReviewList>, ValidationProblem, ProblemHttpResult>> GetReviews(
        string id, string? page, string? pageSize, IGrainFactory grains)
    {
        if (!IsProductId(id))
            return NotFound();
        var errors = new ValidationErrors();
        var p = Paging.Page(errors, page);
        var size = Paging.PageSize(errors, pageSize);
        if (!errors.IsValid)
            return errors.ToProblem();
        var reviews = await grains.GetGrain<IProductGrain>(id).Reviews(p, size);
        return reviews is null ? NotFound() : TypedResults.Ok(reviews);
    }

    static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "There is no such product.");

    static ProblemHttpResult PreconditionFailed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The product has changed since you read it (If-Match does not match its ETag).");

    static string NewProductId() => Guid.NewGuid().ToString("N");

    /// <summary>Ids are ours (32 hex digits): anything else is unknown without waking a grain for it.</summary>
    static bool IsProductId(string id) => IssuedIds.IsWellFormed(id);
}

/// <summary>Strong ETags carry the aggregate's version: "7".</summary>
static class ETags
{
    public static string Format(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    public static bool IsAny(StringValues header) => header.Any(v => v?.Trim() == "*");

    /// <summary>The versions named in an If-None-Match or If-Match header (weak tags compare by value).</summary>
    public static IEnumerable<long> Versions(StringValues header)
    {
        foreach (var value in header)
        {
            foreach (var raw in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
                if (tag.Length > 2 && tag[0] == '"' && tag[^1] == '"'
                    && long.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                    yield return version;
            }
        }
    }

    /// <summary>The version an If-Match demands: none when the header is absent or "*"; false when it names
    /// no version we could ever have (it can then never match).</summary>
    public static bool TryExpected(StringValues header, out long? expected)
    {
        expected = null;
        if (header.Count == 0 || IsAny(header))
            return true;
        var versions = Versions(header).ToList();
        if (versions.Count == 0)
            return false;
        // Of several tags only one can be current; the grain checks the first, so ask with one tag.
        expected = versions[0];
        return true;
    }
}
