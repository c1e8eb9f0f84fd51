using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansScale.Activities;
using OrleansScale.Articles;
using OrleansScale.Cluster;
using OrleansScale.Products;
using OrleansScale.Users;

namespace OrleansScale.Jobs;

/// <summary>Assembles everything the system holds about one user by asking the grains that hold it,
/// joining in code: the profile, the user's articles, friends (with their profiles), reviews and
/// activities.</summary>
public sealed class UserExportJob(
    IGrainFactory grains,
    IOptions<ExportOptions> options,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock) : IJobHandler
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<string> Run(JobContext job)
    {
        var userId = job.OwnerId;
        var profile = await grains.GetGrain<IUserGrain>(userId).GetProfile()
            ?? throw new JobFailedException("The user no longer exists.");
        await job.ReportProgress(10);

        var articles = await Articles(userId);
        await job.ReportProgress(40);

        var related = await RelatedSections(userId);
        await job.ReportProgress(90);

        var export = new UserExport(clock.GetUtcNow(),
            new ExportedUser(profile.Id, profile.UserName, profile.DisplayName, profile.CreatedAt),
            articles, related.Friends, related.Reviews.Items, related.Reviews.Omitted, related.Activities);
        // Measured before it is handed back: the result is stored in the job's document, which must not
        // grow without bound (JobState.MaxStoredBytes).
        var json = JsonSerializer.SerializeToUtf8Bytes(export, Json);
        var limit = options.Value.MaxResultBytes;
        if (json.Length > limit)
            throw new JobFailedException(
                $"The export is {json.Length:N0} bytes; an export holds at most {limit:N0} bytes (setting Exports:MaxResultBytes).",
                retry: false);
        return Encoding.UTF8.GetString(json);
    }

    async Task<IReadOnlyList<ExportedArticle>> Articles(string userId)
    {
        var limit = options.Value.MaxArticles;
        var slugs = await Slugs(userId, limit + 1);
        if (slugs.Count > limit)
            throw new JobFailedException(
                $"The user has more than {limit} articles; an export holds at most {limit} (setting Exports:MaxArticles).");
        var sources = await Task.WhenAll(slugs.Select(slug => grains.GetGrain<IArticleGrain>(slug).GetSource().AsTask()));
        return sources
            .Where(a => a is not null && a.AuthorId == userId) // the index may name an article whose first save failed
            .Select(a => new ExportedArticle(a!.Slug, a.Title, a.Markdown, a.Version, a.CreatedAt, a.UpdatedAt))
            .ToList();
    }

    /// <summary>Up to <paramref name="count"/> of the author's slugs, oldest first, a page at a time.</summary>
    async Task<List<string>> Slugs(string userId, int count)
    {
        var index = grains.GetGrain<IAuthorArticlesGrain>(userId);
        var slugs = new List<string>();
        long? after = null;
        while (slugs.Count < count)
        {
            var page = await index.Page(Math.Min(IAuthorArticlesGrain.MaxPageSize, count - slugs.Count), after);
            slugs.AddRange(page.Slugs);
            if (page.Next is not { } next)
                break;
            after = next;
        }
        return slugs;
    }

    /// <summary>The sections other features own: friends, reviews and activities, each read through that
    /// feature's contract.</summary>
    async Task<RelatedData> RelatedSections(string userId)
    {
        var friendsTask = Friends(userId);
        var reviewsTask = Reviews(userId);
        var activitiesTask = Activities(userId);
        return new RelatedData(await friendsTask, await reviewsTask, await activitiesTask);
    }

    async Task<IReadOnlyList<ExportedFriend>> Friends(string userId)
    {
        var ids = await grains.GetGrain<IFriendsGrain>(userId).FriendIds();
        var profiles = await Task.WhenAll(ids.Select(id => grains.GetGrain<IUserGrain>(id).GetProfile().AsTask()));
        return profiles.Where(p => p is not null).Select(p => new ExportedFriend(p!.Id, p.UserName, p.DisplayName)).ToList();
    }

    /// <summary>The newest <see cref="ExportOptions.MaxReviews"/> reviews, a page at a time.</summary>
    async Task<ExportedReviews> Reviews(string userId)
    {
        var index = grains.GetGrain<IUserReviewsGrain>(userId);
        var limit = options.Value.MaxReviews;
        var reviews = new List<UserReview>();
        UserReviewCursor? after = null;
        while (reviews.Count < limit)
        {
            var page = await index.Page(Math.Min(IUserReviewsGrain.MaxPageSize, limit - reviews.Count), after);
            reviews.AddRange(page.Items);
            if (page.Next is null)
                return new ExportedReviews(reviews, Omitted: false);
            after = page.Next;
        }
        // Full: whether any are left out is one more row's question.
        var omitted = (await index.Page(1, after)).Items.Count > 0;
        return new ExportedReviews(reviews, omitted);
    }

    async Task<IReadOnlyList<ActivityView>> Activities(string userId)
    {
        var activities = new List<ActivityView>();
        var stream = grains.GetGrain<IActivityStreamGrain>(userId);
        string? before = null;
        do
        {
            var page = await stream.Page(100, before);
            activities.AddRange(page.Items);
            before = page.Next;
        } while (before is not null && HasRoom(activities.Count));
        if (activities.Count > options.Value.MaxActivities)
            activities.RemoveRange(options.Value.MaxActivities, activities.Count - options.Value.MaxActivities);
        return activities;

        bool HasRoom(int count) => count < options.Value.MaxActivities;
    }

    sealed record RelatedData(
        IReadOnlyList<ExportedFriend> Friends, ExportedReviews Reviews, IReadOnlyList<ActivityView> Activities);

    sealed record ExportedReviews(IReadOnlyList<UserReview> Items, bool Omitted);

    /// <param name="ReviewsOmitted">True when the user has more reviews than <see cref="ExportOptions.MaxReviews"/>
    /// and the oldest are left out.</param>
    sealed record UserExport(
        DateTimeOffset ExportedAt, ExportedUser User, IReadOnlyList<ExportedArticle> Articles,
        IReadOnlyList<ExportedFriend> Friends, IReadOnlyList<UserReview> Reviews, bool ReviewsOmitted,
        IReadOnlyList<ActivityView> Activities);

    sealed record ExportedUser(string Id, string UserName, string DisplayName, DateTimeOffset CreatedAt);

    sealed record ExportedFriend(string Id, string UserName, string DisplayName);

    sealed record ExportedArticle(string Slug, string Title, string Markdown, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
}
