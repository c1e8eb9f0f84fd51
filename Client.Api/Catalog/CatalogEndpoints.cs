using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Api.Products;
using OrleansScale.Catalog;

namespace OrleansScale.Api.Catalog;

public static partial class CatalogEndpoints
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/products", GetListing).WithTags("Catalog").WithName("GetListing")
            .WithSummary("The catalogue listing, a cached query: filtered by category, sorted, paged.")
            .Produces<ListingPage>(StatusCodes.Status200OK)
            .WithResponseHeader(StatusCodes.Status200OK, "X-Cache", "`hit` when the page came from the listing cache, else `miss`.");
        return app;
    }

    /// <summary>The cached query: normalised, hashed, and answered by the listing grain of that hash.</summary>
    static async Task<Results<FileContentHttpResult, ValidationProblem>> GetListing(
        string? category, string? sort, string? page, string? pageSize, HttpContext http, IGrainFactory grains)
    {
        var errors = new ValidationErrors();
        var normalisedCategory = string.IsNullOrWhiteSpace(category) ? null : category.Trim().ToLowerInvariant();
        if (normalisedCategory is not null && (normalisedCategory.Length > 50 || !Slug().IsMatch(normalisedCategory)))
            errors.Add("category", "Must be a category slug of at most 50 characters.");
        var order = sort?.Trim().ToLowerInvariant() switch
        {
            null or "" or "newest" => ListingSort.Newest,
            "price" => ListingSort.Price,
            "rating" => ListingSort.Rating,
            _ => (ListingSort?)null,
        };
        if (order is null)
            errors.Add("sort", "Must be newest, price or rating.");
        var p = Paging.Page(errors, page);
        var size = Paging.PageSize(errors, pageSize);
        if (!errors.IsValid)
            return errors.ToProblem();

        var query = new ListingQuery(normalisedCategory, order!.Value, p, size);
        var result = await grains.GetGrain<IListingGrain>(query.Key).Get(query);
        http.Response.Headers["X-Cache"] = result.Hit ? "hit" : "miss";
        return TypedResults.Bytes(result.Json, "application/json");
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Slug();
}
