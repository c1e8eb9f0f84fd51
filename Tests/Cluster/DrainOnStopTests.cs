using Orleans.Core.Internal;
using Orleans.Runtime.Placement;
using OrleansScale.Products;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Cluster;

public sealed class DrainOnStopFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Drain:Enabled", "true")];
}

/// <summary>A silo stopped gracefully hands its grains to the others before it shuts down
/// (<c>DrainOnStop</c>): after it has gone they are already active elsewhere, with their state, without
/// anyone having called them, rather than deactivated and loaded again by the next caller.</summary>
public sealed class DrainOnStopTests(DrainOnStopFixture fixture) : IClassFixture<DrainOnStopFixture>
{
    [Fact]
    public async Task A_stopping_silo_moves_its_grains_to_the_others_before_it_goes()
    {
        var grains = fixture.Cluster.Client;
        var management = grains.GetGrain<IManagementGrain>(0);
        var leaving = await fixture.Cluster.StartAdditionalSiloAsync();
        var products = Enumerable.Range(0, 20).Select(i => grains.GetGrain<IProductGrain>(Guid.NewGuid().ToString("N"))).ToList();
        foreach (var (product, i) in products.Select((p, i) => (p, i)))
            await product.Create(new ProductDetails($"Drained {i}", "", "books", [new("USD", 1m + i)], []));

        // Everything onto the silo that will leave.
        IReadOnlyList<IAddressable> all = products;
        foreach (var grain in all)
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, leaving.SiloAddress);
            try
            {
                await grain.Cast<IGrainManagementExtension>().MigrateOnIdle();
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
        }
        // The rebalancer may move some away again meanwhile; those that are there are the ones watched.
        var placed = await Await.Until(async () => await Task.WhenAll(all.Select(g => management.GetActivationAddress(g).AsTask())),
            at => at.Count(s => leaving.SiloAddress.Equals(s)) >= all.Count / 2, TimeSpan.FromSeconds(30), "grains on the leaving silo");
        var watched = all.Where((_, i) => leaving.SiloAddress.Equals(placed[i])).ToList();

        await fixture.Cluster.StopSiloAsync(leaving);

        // Not one of them was called since: an activation elsewhere is one the drain made.
        var after = await Task.WhenAll(watched.Select(g => management.GetActivationAddress(g).AsTask()));
        Assert.All(after, at => Assert.True(at is not null && !at.Equals(leaving.SiloAddress), $"activation at {at}"));
        // With their state: the client may still route one call to the silo that left (the API retries such a
        // read once, as this does).
        foreach (var (product, i) in products.Select((p, i) => (p, i)))
        {
            ProductSnapshot? snapshot;
            try
            {
                snapshot = await product.Get();
            }
            catch (SiloUnavailableException)
            {
                snapshot = await product.Get();
            }
            Assert.Contains($"Drained {i}", System.Text.Encoding.UTF8.GetString(snapshot!.Json));
        }
    }
}
