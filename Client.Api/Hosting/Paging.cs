using System.Globalization;

namespace OrleansScale.Api.Hosting;

/// <summary>The contract's paging parameters, parsed strictly so a bad one is named in the answer.</summary>
public static class Paging
{
    public const int DefaultPage = 1;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static int Page(ValidationErrors errors, string? value)
    {
        if (value is null)
            return DefaultPage;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page < 1)
            errors.Add("page", "Must be a whole number from 1.");
        return page;
    }

    public static int PageSize(ValidationErrors errors, string? value)
    {
        if (value is null)
            return DefaultPageSize;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is < 1 or > MaxPageSize)
            errors.Add("pageSize", "Must be a whole number from 1 to 100.");
        return size;
    }
}
