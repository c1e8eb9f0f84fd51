using OrleansScale.Activities;
using OrleansScale.Products;

namespace OrleansScale.Api.Jobs;

// The export job renders its result as JSON in the silo and the API hands the bytes out as they are, so no
// C# type of this process holds it. These records describe it for the OpenAPI document; the API tests check
// a real export against the schema made from them.

/// <summary>A user's data as GET /api/jobs/{jobId}/result answers it. <c>reviewsOmitted</c> is true when the
/// user has more reviews than an export holds and the oldest are left out.</summary>
public sealed record ExportDocument(
    DateTimeOffset ExportedAt, ExportedUser User, IReadOnlyList<ExportedArticle> Articles,
    IReadOnlyList<ExportedFriend> Friends, IReadOnlyList<UserReview> Reviews, bool ReviewsOmitted,
    IReadOnlyList<ActivityView> Activities);

public sealed record ExportedUser(string Id, string UserName, string DisplayName, DateTimeOffset CreatedAt);

public sealed record ExportedFriend(string Id, string UserName, string DisplayName);

public sealed record ExportedArticle(string Slug, string Title, string Markdown, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
