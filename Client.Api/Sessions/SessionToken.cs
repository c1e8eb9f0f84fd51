using System.Buffers.Text;
using System.Security.Cryptography;

namespace OrleansScale.Api.Sessions;

/// <summary>Session tokens: 256 bits from the OS CSPRNG, base64url without padding (43 characters).</summary>
static class SessionToken
{
    public const string CookieName = "sid";
    const int Bytes = 32;
    static readonly int EncodedLength = Base64Url.GetEncodedLength(Bytes);

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(Bytes));

    /// <summary>The token from the "sid" cookie or an "Authorization: Bearer" header, if any.</summary>
    public static string? Read(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return authorization["Bearer ".Length..].Trim();
        return request.Cookies.TryGetValue(CookieName, out var cookie) ? cookie : null;
    }

    /// <summary>True when the text could be a token we issued; anything else never reaches a grain.</summary>
    public static bool IsWellFormed(string token) =>
        token.Length == EncodedLength && Base64Url.IsValid(token, out var decoded) && decoded == Bytes;
}
