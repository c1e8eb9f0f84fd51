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
            articles, related.Friends, related.Reviews, related.Activities);
        return JsonSerializer.Serialize(export, Json);
    }

    async Task<IReadOnlyList<ExportedArticle>> Articles(string userId)
    {
        var slugs = await grains.GetGrain<IAuthorArticlesGrain>(userId).List();
        var limit = options.Value.MaxArticles;
        if (slugs.Count > limit)
            throw new JobFailedException(
                $"The user has {slugs.Count} articles; an export holds at most {limit} (setting Exports:MaxArticles).");
        var sources = await Task.WhenAll(slugs.Select(slug => grains.GetGrain<IArticleGrain>(slug).GetSource().AsTask()));
        return sources
            .Where(a => a is not null && a.AuthorId == userId) // the index may name an article whose first save failed
            .Select(a => new ExportedArticle(a!.Slug, a.Title, a.Markdown, a.Version, a.CreatedAt, a.UpdatedAt))
            .ToList();
    }

    /// <summary>The sections other features own: friends, reviews and activities, each read through that
    /// feature's contract.</summary>
    async Task<RelatedData> RelatedSections(string userId)
    {
        var friendsTask = Friends(userId);
        var reviewsTask = grains.GetGrain<IUserReviewsGrain>(userId).List().AsTask();
        var activitiesTask = Activities(userId);
        return new RelatedData(await friendsTask, await reviewsTask, await activitiesTask);
    }

    async Task<IReadOnlyList<ExportedFriend>> Friends(string userId)
    {
        var ids = await grains.GetGrain<IFriendsGrain>(userId).FriendIds();
        var profiles = await Task.WhenAll(ids.Select(id => grains.GetGrain<IUserGrain>(id).GetProfile().AsTask()));
        return profiles.Where(p => p is not null).Select(p => new ExportedFriend(p!.Id, p.UserName, p.DisplayName)).ToList();
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
        IReadOnlyList<ExportedFriend> Friends, IReadOnlyList<UserReview> Reviews, IReadOnlyList<ActivityView> Activities);

    sealed record UserExport(
        DateTimeOffset ExportedAt, ExportedUser User, IReadOnlyList<ExportedArticle> Articles,
        IReadOnlyList<ExportedFriend> Friends, IReadOnlyList<UserReview> Reviews, IReadOnlyList<ActivityView> Activities);

    sealed record ExportedUser(string Id, string UserName, string DisplayName, DateTimeOffset CreatedAt);

    sealed record ExportedFriend(string Id, string UserName, string DisplayName);

    sealed record ExportedArticle(string Slug, string Title, string Markdown, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
}
