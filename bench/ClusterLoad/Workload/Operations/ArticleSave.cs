using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Workload.Operations;

/// <summary>PUT /api/articles/{slug} by the article's author, one save in flight per article: 202 with a
/// version above the previous acknowledged one, which is then acknowledged (and must be rendered by the
/// end of the drain).</summary>
public sealed class ArticleSave(WorkloadContext context) : Operation("article-save", OperationGroup.Write)
{
    public override Task<Outcome> ExecuteAsync(Phase phase) => context.Articles.Savers.WithAnyAsync(async index =>
    {
        var article = context.Population.Articles[index];
        var previous = context.Articles.AckedVersion(index);
        var answer = await context.Api.Send(HttpMethod.Put, "/api/articles/" + article.Slug,
            context.Population.Users[article.AuthorIndex].Bearer,
            SampleContent.Article(article.Slug, previous + 1), ApiJson.Default.ArticleBody);
        if (!answer.Expect(202, ApiJson.Default.ArticleAcceptedDocument, "save of " + article.Slug, out var accepted, out var outcome))
            return outcome;
        context.Articles.Acknowledge(index, accepted.Version);
        return accepted.Version > previous ? Outcome.Ok
            : Outcome.Wrong($"save did not advance the version: {article.Slug} answered {accepted.Version}, {previous} acknowledged before");
    });
}
