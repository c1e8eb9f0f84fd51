using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansScale.Users;

[GrainType("user-name")]
public sealed partial class UserNameGrain(
    [PersistentState("credentials", StorageNames.Main)] IPersistentState<CredentialsState> state,
    IOptions<SignInLimitOptions> limitOptions,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<UserNameGrain> logger) : Grain, IUserNameGrain
{
    static readonly PasswordHasher<object> Hasher = new();
    // Verifying against this when the name is unknown keeps both failure paths equally slow,
    // so response time does not reveal which user names exist.
    static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword(new object(), "decoy-password"));

    readonly Queue<DateTimeOffset> failedAttempts = new();

    public async Task<Registration> Register(NewUser user)
    {
        if (state.State.UserId is not null)
            return new Registration(RegistrationOutcome.NameTaken, null);

        var profile = new UserProfile(NewUserId(), user.UserName, user.DisplayName, IsAdmin: false, clock.GetUtcNow());
        await Claim(profile, await Hash(user.Password));
        return new Registration(RegistrationOutcome.Created, await CompleteProfile());
    }

    public async Task<SignInResult> SignIn(string password)
    {
        var now = clock.GetUtcNow();
        var limit = limitOptions.Value;
        while (failedAttempts.TryPeek(out var oldest) && now - oldest >= limit.Window)
            failedAttempts.Dequeue();
        if (failedAttempts.Count >= limit.MaxFailedAttempts)
        {
            LogSignInThrottled(this.GetPrimaryKeyString());
            return new SignInResult(SignInOutcome.TooManyAttempts, null, failedAttempts.Peek() + limit.Window - now);
        }

        var hash = state.State.PasswordHash ?? DecoyHash.Value;
        var verdict = await Task.Run(() => Hasher.VerifyHashedPassword(new object(), hash, password));
        if (state.State.UserId is null || verdict == PasswordVerificationResult.Failed)
        {
            failedAttempts.Enqueue(now);
            return new SignInResult(SignInOutcome.InvalidCredentials, null, TimeSpan.Zero);
        }

        failedAttempts.Clear();
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            state.State.PasswordHash = await Hash(password);
            await state.WriteStateAsync();
        }
        return new SignInResult(SignInOutcome.Succeeded, await CompleteProfile(), TimeSpan.Zero);
    }

    public async Task<bool> EnsureAdministrator(string displayName, string password)
    {
        if (state.State.UserId is null)
        {
            var profile = new UserProfile(NewUserId(), this.GetPrimaryKeyString(), displayName, IsAdmin: true, clock.GetUtcNow());
            await Claim(profile, await Hash(password));
            await CompleteProfile();
            LogAdministratorCreated(profile.UserName, profile.Id);
            return true;
        }
        if (state.State.Profile is not { IsAdmin: true })
        {
            LogAdministratorNameTaken(this.GetPrimaryKeyString());
            return false;
        }
        // Configuration is the source of truth for the administrator's password.
        var verdict = Hasher.VerifyHashedPassword(new object(), state.State.PasswordHash!, password);
        if (verdict != PasswordVerificationResult.Success)
        {
            state.State.PasswordHash = await Hash(password);
            await state.WriteStateAsync();
        }
        await CompleteProfile();
        return true;
    }

    async Task Claim(UserProfile profile, string passwordHash)
    {
        state.State.UserId = profile.Id;
        state.State.PasswordHash = passwordHash;
        state.State.Profile = profile;
        state.State.ProfileCreated = false;
        await state.WriteStateAsync();
    }

    /// <summary>The name is claimed (durably) before the profile grain is written. If the process
    /// died in between, the next registration attempt or sign-in finishes the job.</summary>
    async Task<UserProfile> CompleteProfile()
    {
        var profile = state.State.Profile!;
        if (state.State.ProfileCreated)
            return profile;
        var created = await GrainFactory.GetGrain<IUserGrain>(profile.Id).Create(profile);
        state.State.ProfileCreated = true;
        await state.WriteStateAsync();
        return created;
    }

    static Task<string> Hash(string password) => Task.Run(() => Hasher.HashPassword(new object(), password));

    static string NewUserId() => Guid.NewGuid().ToString("N");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in for user name {UserName} throttled after too many failed attempts")]
    partial void LogSignInThrottled(string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Administrator account {UserName} created with id {UserId}")]
    partial void LogAdministratorCreated(string userName, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The configured administrator name {UserName} belongs to an ordinary user; it was not promoted")]
    partial void LogAdministratorNameTaken(string userName);
}

/// <summary>A user name's credentials (state "credentials"): the user id, one password hash (fixed length,
/// replaced when rehashed) and the profile (see <see cref="UserState"/>).</summary>
[GenerateSerializer]
public sealed class CredentialsState
{
    public const int MaxStoredBytes = StoredSize.Object + UserState.MaxStoredBytes;

    [Id(0)] public string? UserId { get; set; }
    [Id(1)] public string? PasswordHash { get; set; }
    [Id(2)] public UserProfile? Profile { get; set; }
    [Id(3)] public bool ProfileCreated { get; set; }
}
