using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansScale.Cluster;

namespace OrleansScale.Articles;

public static class ArticleServices
{
    /// <summary>What the article grains need in a silo.</summary>
    public static IServiceCollection AddArticles(this IServiceCollection services)
    {
        services.AddSingleton<ArticlePageRenderer>();
        services.TryAddSingleton<DeployedGrains>();
        return services;
    }
}
