using Microsoft.Extensions.DependencyInjection;

namespace OrleansScale.Articles;

public static class ArticleServices
{
    /// <summary>What the article grains need in a silo.</summary>
    public static IServiceCollection AddArticles(this IServiceCollection services)
    {
        services.AddSingleton<ArticlePageRenderer>();
        return services;
    }
}
