namespace OrleansScale.Products;

/// <summary>The limits of the product contract: the API refuses input beyond them (400, naming the field),
/// and the stored documents' size bounds are computed from them.</summary>
public static class ProductLimits
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 5_000;
    public const int MaxCategoryLength = 50;
    public const int MaxPrices = 10;
    public const int MaxPictures = 20;
    public const int MaxPictureUrlLength = 2_000;
    public const int MaxReviewTextLength = 2_000;
}
