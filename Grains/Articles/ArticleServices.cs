using Microsoft.Extensions.DependencyInjection;

namespace OrleansScale.Articles;

public static class ArticleServices
{
    /// <summary>What the article grains need in a silo: the renderer, and the author index's data source on
    /// the primary (<paramref name="connectionString"/>), its pool bounded by
    /// <see cref="AuthorArticleDatabase.MaxConnections"/>.</summary>
    public static IServiceCollection AddArticles(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton<ArticlePageRenderer>();
        services.AddSingleton(_ => AuthorArticleDatabase.Create(connectionString));
        return services;
    }
}
