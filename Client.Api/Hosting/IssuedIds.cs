using System.Text.RegularExpressions;

namespace OrleansScale.Api.Hosting;

/// <summary>The ids the cluster issues for users, products and jobs: 32 lowercase hex digits (a GUID without
/// dashes). A path segment of any other form names nothing, so it is answered 404 without waking a grain for
/// it; blank text would not even make a grain key (Orleans refuses it with an exception, once a 500).</summary>
public static partial class IssuedIds
{
    public static bool IsWellFormed(string id) => Pattern().IsMatch(id);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Pattern();
}
