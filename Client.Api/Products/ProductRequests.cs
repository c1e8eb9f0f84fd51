using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Products;

namespace OrleansScale.Api.Products;

// The attributes describe the rules for the OpenAPI document; ProductRules enforces them.

public sealed record PriceRequest(
    [property: Required, StringLength(3, MinimumLength = 3), RegularExpression("^[A-Z]{3}$")] string? Currency,
    [property: Required, Range(0, ProductRules.MaxAmount), DecimalPlaces(ProductRules.AmountDecimals)] decimal? Amount);

public sealed record ProductRequest(
    [property: Required, StringLength(ProductLimits.MaxNameLength, MinimumLength = 1)] string? Name,
    [property: StringLength(ProductLimits.MaxDescriptionLength)] string? Description,
    [property: Required, StringLength(ProductLimits.MaxCategoryLength, MinimumLength = 1), RegularExpression(ProductRules.SlugRule)] string? Category,
    [property: Required, Length(1, ProductLimits.MaxPrices)] IReadOnlyList<PriceRequest?>? Prices,
    [property: MaxLength(ProductLimits.MaxPictures)] IReadOnlyList<string?>? Pictures);

public sealed record ReviewRequest(
    [property: Required, Range(1, 5)] int? Rating,
    [property: Required, StringLength(ProductLimits.MaxReviewTextLength, MinimumLength = 1)] string? Text);

/// <summary>The rules of the product contract, each failure named by its field's JSON path.</summary>
public static partial class ProductRules
{
    public const int MaxAmount = 1_000_000_000;
    public const int AmountDecimals = 2;
    public const string SlugRule = "^[a-z0-9]+(-[a-z0-9]+)*$";

    public static ValidationErrors Validate(ProductRequest request, out ProductDetails details)
    {
        var errors = new ValidationErrors()
            .RequireLength("name", request.Name, 1, ProductLimits.MaxNameLength);
        if (request.Name is { Length: > 0 } name && string.IsNullOrWhiteSpace(name))
            errors.Add("name", "Must not be blank.");
        if (request.Description is { Length: > ProductLimits.MaxDescriptionLength })
            errors.Add("description", $"Must be at most {ProductLimits.MaxDescriptionLength} characters.");
        errors.RequireStorableText("description", request.Description);
        errors.RequireLength("category", request.Category, 1, ProductLimits.MaxCategoryLength);
        if (request.Category is { Length: > 0 } category && !Slug().IsMatch(category))
            errors.Add("category", "Must be a lowercase slug: a-z, 0-9 and single '-' between words.");

        var prices = request.Prices;
        if (prices is null || prices.Count is < 1 or > ProductLimits.MaxPrices)
            errors.Add("prices", $"Give 1 to {ProductLimits.MaxPrices} prices.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; prices is not null && i < prices.Count; i++)
        {
            var price = prices[i];
            if (price is null)
            {
                errors.Add($"prices[{i}]", "The price is required.");
                continue;
            }
            if (price.Currency is not { } currency || !Currencies.IsIso4217(currency))
                errors.Add($"prices[{i}].currency", "Must be an ISO 4217 currency code, such as USD.");
            else if (!seen.Add(currency))
                errors.Add($"prices[{i}].currency", "Each currency may appear once.");
            if (price.Amount is not { } amount)
                errors.Add($"prices[{i}].amount", "The field is required.");
            else if (amount is < 0 or > MaxAmount)
                errors.Add($"prices[{i}].amount", "Must be from 0 to 1000000000.");
            else if (decimal.Round(amount, AmountDecimals) != amount)
                errors.Add($"prices[{i}].amount", $"At most {AmountDecimals} decimals.");
        }

        var pictures = request.Pictures ?? [];
        if (pictures.Count > ProductLimits.MaxPictures)
            errors.Add("pictures", $"At most {ProductLimits.MaxPictures} pictures.");
        for (var i = 0; i < pictures.Count; i++)
        {
            if (pictures[i] is not { Length: > 0 and <= ProductLimits.MaxPictureUrlLength } url
                || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                errors.Add($"pictures[{i}]", $"Must be an absolute http or https URL of at most {ProductLimits.MaxPictureUrlLength} characters.");
            else
                errors.RequireStorableText($"pictures[{i}]", url);
        }

        details = errors.IsValid
            ? new ProductDetails(request.Name!, request.Description ?? "", request.Category!,
                prices!.Select(p => new Price(p!.Currency!, p.Amount!.Value)).ToList(), pictures.Select(p => p!).ToList())
            : null!;
        return errors;
    }

    public static ValidationErrors Validate(ReviewRequest request)
    {
        var errors = new ValidationErrors();
        if (request.Rating is not { } rating)
            errors.Add("rating", "The field is required.");
        else if (rating is < 1 or > 5)
            errors.Add("rating", "Must be from 1 to 5.");
        errors.RequireLength("text", request.Text, 1, ProductLimits.MaxReviewTextLength);
        if (request.Text is { Length: > 0 } text && string.IsNullOrWhiteSpace(text))
            errors.Add("text", "Must not be blank.");
        return errors;
    }

    [GeneratedRegex(SlugRule)]
    private static partial Regex Slug();
}

/// <summary>The active ISO 4217 currency codes (alphabetic), including the common funds and metals codes.</summary>
static class Currencies
{
    static readonly HashSet<string> Codes = new("""
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
        CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
        GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
        KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
        NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
        SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
        VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    public static bool IsIso4217(string code) => Codes.Contains(code);
}
