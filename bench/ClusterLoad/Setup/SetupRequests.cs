using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Setup;

/// <summary>Setup that failed in a way retrying does not cure: the run cannot start.</summary>
public sealed class SetupFailedException(string message) : Exception(message);

/// <summary>The requests that build a run's population. Setup is not measured, so a failed, timed-out or
/// shed request is tried again (up to five times, a second apart); any other unexpected answer stops the run.</summary>
public sealed class SetupRequests(ApiClient api)
{
    const int Attempts = 5;
    static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    /// <summary>The password of every user a run registers.</summary>
    public const string UserPassword = "load-driver-password";

    /// <summary>A new session of the user: the Authorization header value and the user's id.</summary>
    public async Task<(string Bearer, string UserId)> SignIn(string userName, string password)
    {
        var answer = await Send($"sign-in of {userName}", [201],
            () => api.Send(HttpMethod.Post, "/api/sessions", null, new SignInBody(userName, password), ApiJson.Default.SignInBody));
        var session = Read(answer, ApiJson.Default.SessionCreatedDocument, $"sign-in of {userName}");
        return ("Bearer " + session.SessionId, session.UserId);
    }

    /// <summary>Registers and signs in a user. A 409 on a retry means the first attempt took effect.</summary>
    public async Task<UserAccount> RegisterAndSignIn(int index, string userName)
    {
        var attempts = 0;
        await Send($"registration of {userName}", [201, 409], () =>
        {
            attempts++;
            return api.Send(HttpMethod.Post, "/api/users", null, SampleContent.User(userName, UserPassword), ApiJson.Default.NewUserBody);
        }, conflictIsFine: () => attempts > 1);
        var (bearer, id) = await SignIn(userName, UserPassword);
        return new UserAccount(index, id, userName, UserPassword, bearer);
    }

    /// <summary>Creates product <paramref name="index"/>; its id and first version.</summary>
    public async Task<(string Id, long Version)> CreateProduct(string runTag, int index, string adminBearer)
    {
        var answer = await Send($"creation of product {index}", [201], () => api.Send(HttpMethod.Post, "/api/products", adminBearer,
            SampleContent.Product(runTag, index, 0), ApiJson.Default.ProductBody));
        var product = Read(answer, ApiJson.Default.ProductDocument, $"creation of product {index}");
        return (product.Id, product.Version);
    }

    public Task Befriend(UserAccount user, UserAccount friend) =>
        Send($"friendship {user.UserName} - {friend.UserName}", [204],
            () => api.Send(HttpMethod.Put, $"/api/users/{user.Id}/friends/{friend.Id}", user.Bearer, null));

    /// <summary>The first save of an article by its author; the version it was acknowledged with.</summary>
    public async Task<long> SaveArticle(string slug, UserAccount author)
    {
        var answer = await Send($"first save of article {slug}", [202], () => api.Send(HttpMethod.Put, "/api/articles/" + slug,
            author.Bearer, SampleContent.Article(slug, 1), ApiJson.Default.ArticleBody));
        return Read(answer, ApiJson.Default.ArticleAcceptedDocument, $"save of {slug}").Version;
    }

    static async Task<ApiAnswer> Send(string what, int[] expected, Func<Task<ApiAnswer>> send, Func<bool>? conflictIsFine = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var answer = await send();
            if (expected.Contains(answer.Status) && (answer.Status != 409 || conflictIsFine?.Invoke() == true))
                return answer;
            if (!answer.IsFailureOrShed(out _))
                throw new SetupFailedException($"{what}: {answer.Describe()}");
            if (attempt == Attempts)
                throw new SetupFailedException($"{what}: {answer.Describe()} on all {Attempts} attempts");
            await Task.Delay(Pause);
        }
    }

    static T Read<T>(ApiAnswer answer, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what) where T : class =>
        answer.Read(type) ?? throw new SetupFailedException($"{what}: the answer is not the documented JSON");
}
