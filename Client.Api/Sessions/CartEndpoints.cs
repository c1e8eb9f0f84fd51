using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Admission;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Sessions;

namespace OrleansScale.Api.Sessions;

/// <summary>The cart of the current session; it lives in the session grain, written through.</summary>
public static class CartEndpoints
{
    public static RouteGroupBuilder MapCart(this RouteGroupBuilder current)
    {
        var cart = current.MapGroup("/cart").WithTags("Cart");
        cart.MapGet("/", GetCart).WithName("GetCart").WithSummary("The session's cart.")
            .Produces<CartView>(StatusCodes.Status200OK);
        cart.MapPut("/{productId}", SetLine).WithName("SetCartLine").AdmittedAsWrite()
            .WithSummary("Sets the quantity of a product in the cart.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        cart.MapDelete("/{productId}", RemoveLine).WithName("RemoveCartLine").AdmittedAsWrite()
            .WithSummary("Removes a product from the cart; removing one that is not there changes nothing.");
        return current;
    }

    // The attributes describe the rules for the OpenAPI document; SetLine enforces them.
    public sealed record CartLineRequest([property: Required, Range(CartLimits.MinQuantity, CartLimits.MaxQuantity)] int? Quantity);

    // Authentication has just read the session, cart included and serialized with it: no second grain call and
    // no serialization per request.
    static async Task<Results<FileContentHttpResult, Ok<CartView>, ProblemHttpResult>> GetCart(HttpContext http, IGrainFactory grains)
    {
        var (token, _, cartJson) = http.Current();
        if (cartJson is not null)
            return TypedResults.Bytes(cartJson, "application/json");
        return await grains.GetGrain<ISessionGrain>(token).GetCart() is { } cart ? TypedResults.Ok(cart) : SessionGone();
    }

    static async Task<Results<Ok<CartView>, ValidationProblem, ProblemHttpResult>> SetLine(
        string productId, CartLineRequest request, HttpContext http, IGrainFactory grains)
    {
        var errors = new ValidationErrors();
        if (request.Quantity is not { } quantity)
            errors.Add("quantity", "The field is required.");
        else if (quantity is < CartLimits.MinQuantity or > CartLimits.MaxQuantity)
            errors.Add("quantity", $"Must be from {CartLimits.MinQuantity} to {CartLimits.MaxQuantity}.");
        if (!errors.IsValid)
            return errors.ToProblem();
        if (productId.Length > 100)
            return UnknownProduct();

        var change = await grains.GetGrain<ISessionGrain>(http.Current().Token).SetCartLine(productId, request.Quantity!.Value);
        return change.Outcome switch
        {
            CartOutcome.Done => TypedResults.Ok(change.Cart!),
            CartOutcome.UnknownProduct => UnknownProduct(),
            CartOutcome.TooManyLines => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: $"The cart already holds {CartLimits.MaxLines} lines, the most it may hold."),
            CartOutcome.InvalidQuantity => new ValidationErrors().Add("quantity", "Out of range.").ToProblem(),
            _ => SessionGone(),
        };
    }

    static async Task<Results<Ok<CartView>, ProblemHttpResult>> RemoveLine(string productId, HttpContext http, IGrainFactory grains) =>
        await grains.GetGrain<ISessionGrain>(http.Current().Token).RemoveCartLine(productId) is { } cart
            ? TypedResults.Ok(cart)
            : SessionGone();

    static ProblemHttpResult UnknownProduct() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "There is no such product.");

    // The session expired between authentication and this call.
    static ProblemHttpResult SessionGone() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first: no session, or the session has expired.");
}
