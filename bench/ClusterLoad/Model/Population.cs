namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>A user this run registered, with the session it signed in with at setup. <see cref="Bearer"/>
/// is the whole Authorization header value, made once.</summary>
public sealed class UserAccount(int index, string id, string userName, string password, string bearer)
{
    public int Index { get; } = index;
    public string Id { get; } = id;
    public string UserName { get; } = userName;
    public string Password { get; } = password;
    public string Bearer { get; } = bearer;

    /// <summary>Indexes of this user's friends (mutual), as made at setup.</summary>
    public int[] Friends { get; set; } = [];
}

public sealed record ArticleRef(int Index, string Slug, int AuthorIndex);

/// <summary>Everything setup made through the API: the keys the workload draws from.</summary>
/// <param name="RunTag">Prefix of every name this run made, so runs against one cluster never collide.</param>
/// <param name="WatchedUsers">Users whose feeds the feed reads cycle over and the end checks read.</param>
/// <param name="ProductVersionsAtSetup">The version each create answered: the first acknowledged one.</param>
/// <param name="ArticleVersionsAtSetup">Likewise for each article's first save.</param>
public sealed record Population(
    string RunTag,
    string AdminBearer,
    string[] ProductIds,
    UserAccount[] Users,
    ArticleRef[] Articles,
    int[] WatchedUsers,
    long[] ProductVersionsAtSetup,
    long[] ArticleVersionsAtSetup)
{
    /// <summary>User id to index, for checking who a feed item is by.</summary>
    public IReadOnlyDictionary<string, int> UserIndex { get; } = Users.ToDictionary(u => u.Id, u => u.Index);
}
