namespace OrleansScale.Users;

/// <summary>The limits of a user's registration: the API refuses input beyond them (400, naming the field),
/// and the stored documents' size bounds are computed from them.</summary>
public static class UserLimits
{
    public const int MaxUserNameLength = 32;
    public const int MaxDisplayNameLength = 100;
    public const int MaxPasswordLength = 200;
}
