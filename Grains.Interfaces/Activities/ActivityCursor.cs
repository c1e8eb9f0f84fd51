using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace OrleansScale.Activities;

/// <summary>The opaque "before" cursor of activity pages: the position (creation time, id) of the last
/// item of a page. A position rather than an index, so pages stay correct while items are added above
/// and old ones fall off below.</summary>
public static class ActivityCursor
{
    public static string For(ActivityView item) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            item.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "." + item.Id));

    /// <summary>Reads a cursor made by <see cref="For"/>; false for anything else.</summary>
    public static bool TryParse(string? cursor, out DateTimeOffset createdAt, out string id)
    {
        createdAt = default;
        id = "";
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 1024)
            return false;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return false;
        }
        var dot = text.IndexOf('.');
        if (dot <= 0 || dot == text.Length - 1
            || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
            return false;
        createdAt = new DateTimeOffset(ticks, TimeSpan.Zero);
        id = text[(dot + 1)..];
        return true;
    }
}
