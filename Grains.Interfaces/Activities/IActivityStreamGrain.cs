namespace OrleansScale.Activities;

/// <summary>What one user did, newest first, keyed by the user id: the cache of record of the user's
/// activity stream. Posting is durable in this stream, and its fan-out queued, before it returns;
/// delivering the activity to the feeds of the user's friends is queued background work.</summary>
public interface IActivityStreamGrain : IGrainWithStringKey
{
    /// <summary>Appends an activity of this user. Idempotent on <see cref="NewActivity.Id"/>: posting
    /// the same id again returns the stored activity and queues nothing new.</summary>
    Task<ActivityView> Post(NewActivity activity);

    /// <summary>A page of this user's activities, newest first, served from memory. Pass the
    /// previous page's <see cref="ActivityPage.Next"/> as <paramref name="before"/> for the next page.</summary>
    ValueTask<ActivityPage> Page(int limit, string? before);
}

[GenerateSerializer, Immutable]
public sealed record ActivityPage(
    [property: Id(0)] IReadOnlyList<ActivityView> Items,
    [property: Id(1)] string? Next);

/// <summary>An activity to post. The id is chosen by the poster and derived from what happened
/// (for example "review:{reviewId}"), so a retried post is recognised as the same activity. It must be
/// unique across all users, not only within the author's stream: feeds hold many authors' activities
/// and drop any whose id they already hold.</summary>
[GenerateSerializer, Immutable]
public sealed record NewActivity(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] string SubjectId,
    [property: Id(3)] string Summary);

[GenerateSerializer, Immutable]
public sealed record ActivityView(
    [property: Id(0)] string Id,
    [property: Id(1)] string UserId,
    [property: Id(2)] string Kind,
    [property: Id(3)] string SubjectId,
    [property: Id(4)] string Summary,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>The activity kinds the system emits.</summary>
public static class ActivityKinds
{
    public const string ReviewCreated = "review.created";
    public const string FriendAdded = "friend.added";
    public const string ArticlePublished = "article.published";
}
