using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>GET /api/articles/{slug}: the version at least the newest acknowledged before the read, and
/// never a rendered version ahead of it. (Rendering lags by design; the end checks see it caught up.)</summary>
public sealed class ArticleRead(WorkloadContext context) : Operation("article-read", OperationGroup.Read)
{
    public override async Task<Outcome> ExecuteAsync(Phase phase)
    {
        var index = Random.Shared.Next(context.Articles.Count);
        var slug = context.Population.Articles[index].Slug;
        var acked = context.Articles.AckedVersion(index);
        var answer = await context.Api.Get("/api/articles/" + slug);
        if (answer.Status == 404)
            return Outcome.Wrong($"404 for a saved article: {slug}");
        if (!answer.Expect(200, ApiJson.Default.ArticleDocument, "article " + slug, out var served, out var outcome))
            return outcome;
        if (served.Version < acked)
            return Outcome.Wrong($"stale article version: {slug} served {served.Version}, {acked} acknowledged before the read");
        if (served.RenderedVersion > served.Version)
            return Outcome.Wrong($"rendered ahead of saved: {slug} version {served.Version}, renderedVersion {served.RenderedVersion}");
        return Outcome.Ok;
    }
}
