namespace OrleansScale.Users;

/// <summary>The credentials of one user name, keyed by the normalised (lower-case) name.
/// One activation per name makes "is this name taken?" and "too many failed sign-ins?"
/// single decisions for the whole cluster, with no check-then-insert race.</summary>
public interface IUserNameGrain : IGrainWithStringKey
{
    /// <summary>Claims the name and creates the user. Of two concurrent registrations of
    /// one name exactly one succeeds; the other gets <see cref="RegistrationOutcome.NameTaken"/>.</summary>
    Task<Registration> Register(NewUser user);

    /// <summary>Checks a password. Unknown name and wrong password give the same answer;
    /// past the failed-attempt limit every attempt is refused until the window passes.</summary>
    Task<SignInResult> SignIn(string password);

    /// <summary>Makes this name an administrator account with the given password, creating it if
    /// needed. Refuses (returns false) to promote an existing ordinary user.</summary>
    Task<bool> EnsureAdministrator(string displayName, string password);
}

[GenerateSerializer, Immutable]
public sealed record NewUser(
    [property: Id(0)] string UserName,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string Password);

public enum RegistrationOutcome { Created, NameTaken }

[GenerateSerializer, Immutable]
public sealed record Registration(
    [property: Id(0)] RegistrationOutcome Outcome,
    [property: Id(1)] UserProfile? User);

public enum SignInOutcome { Succeeded, InvalidCredentials, TooManyAttempts }

[GenerateSerializer, Immutable]
public sealed record SignInResult(
    [property: Id(0)] SignInOutcome Outcome,
    [property: Id(1)] UserProfile? User,
    [property: Id(2)] TimeSpan RetryAfter);

/// <summary>User names are unique without regard to case: the grain key is the normalised name.</summary>
public static class UserNames
{
    public static string Normalize(string userName) => userName.ToLowerInvariant();

    public static IUserNameGrain For(this IGrainFactory grains, string userName) =>
        grains.GetGrain<IUserNameGrain>(Normalize(userName));
}
