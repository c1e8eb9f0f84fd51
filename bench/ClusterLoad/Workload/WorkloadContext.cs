using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;
using OrleansScale.Bench.ClusterLoad.Model;

namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>What the operations share: the client, the keys made at setup, and the acknowledged state.</summary>
public sealed class WorkloadContext
{
    public WorkloadContext(ApiClient api, RunClock clock, Population population)
    {
        Api = api;
        Clock = clock;
        Population = population;
        Products = new ProductLedger(population.ProductIds.Length);
        for (var i = 0; i < population.ProductIds.Length; i++)
            Products.AcknowledgeVersion(i, population.ProductVersionsAtSetup[i]);
        Reviews = new ReviewLedger(Products, population.Users.Length);
        Carts = new CartLedger(population.Users.Length, population.ProductIds);
        Articles = new ArticleLedger(population.Articles.Length);
        for (var i = 0; i < population.Articles.Length; i++)
            Articles.Acknowledge(i, population.ArticleVersionsAtSetup[i]);
    }

    public ApiClient Api { get; }
    public RunClock Clock { get; }
    public Population Population { get; }

    public ProductLedger Products { get; }
    public ReviewLedger Reviews { get; }
    public CartLedger Carts { get; }
    public ArticleLedger Articles { get; }
}
