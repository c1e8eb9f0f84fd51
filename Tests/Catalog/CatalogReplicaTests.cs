using System.Net;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Products;

namespace OrleansScale.Tests.Catalog;

/// <summary>The cluster with ConnectionStrings:PostgresRead pointing at a real streaming replica.</summary>
public sealed class ReplicaFixture : ClusterFixture
{
    public StreamingReplica Replica { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("ConnectionStrings:PostgresRead", Replica.ConnectionString(Database.Name))];

    public override async Task InitializeAsync()
    {
        Replica = await StreamingReplica.Start();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Replica.DisposeAsync();
    }

    public Task PauseReplay() => Replica.Scalar<object>(Database.Name, "SELECT pg_wal_replay_pause()");

    public Task ResumeReplay() => Replica.Scalar<object>(Database.Name, "SELECT pg_wal_replay_resume()");

    /// <summary>Waits until the replica has replayed everything the primary had written when this was called.</summary>
    public async Task AwaitReplicaCaughtUp()
    {
        var primary = await Database.Scalar<string>("SELECT pg_current_wal_lsn()::text");
        await Await.Until(() => Replica.Scalar<bool>(Database.Name, $"SELECT pg_last_wal_replay_lsn() >= '{primary}'::pg_lsn"),
            caughtUp => caughtUp, TimeSpan.FromSeconds(30), "the replica replaying up to " + primary);
    }

    public Task AwaitReplicaRow(string id, long version) =>
        Await.Until(() => Replica.Scalar<long>(Database.Name, $"SELECT coalesce(max(version), 0) FROM catalog_product WHERE id = '{id}'"),
            v => v >= version, TimeSpan.FromSeconds(30), $"replica row {id} at version {version}");
}

public sealed class CatalogReplicaTests(ReplicaFixture fixture) : IClassFixture<ReplicaFixture>
{
    [Fact]
    public async Task Listing_reads_the_replica_when_one_is_configured()
    {
        var category = CatalogApi.UniqueCategory("replica");
        var id = Guid.NewGuid().ToString("N");
        using var http = fixture.ApiA.Anonymous();
        // A registry that activates starts from the primary's current position (it cannot know what it
        // missed), so wake the category's registry and let the replica pass that position first.
        Assert.Empty((await http.List($"category={category}&pageSize=7")).Ids);
        await fixture.AwaitReplicaCaughtUp();
        await fixture.PauseReplay();
        try
        {
            // Written straight into the primary's table, with no invalidation: only a replica read can miss it.
            await fixture.Database.Scalar<object>($"""
                INSERT INTO catalog_product (id, version, name, category, created_at, updated_at)
                VALUES ('{id}', 1, 'Only on the primary so far', '{category}', now(), now())
                """);

            Assert.Empty((await http.List($"category={category}")).Ids);
        }
        finally
        {
            await fixture.ResumeReplay();
        }
        await fixture.AwaitReplicaRow(id, 1);
        Assert.Equal([id], (await http.List($"category={category}&pageSize=5")).Ids);
    }

    [Fact]
    public async Task A_replica_behind_the_latest_invalidation_is_not_cached_as_fresh()
    {
        using var admin = await fixture.ApiA.Admin();
        var category = CatalogApi.UniqueCategory("lag");
        var id = (await admin.CreateProduct(ProductApi.Body("Before", category))).Id();
        await fixture.AwaitReplicaRow(id, 1);
        using var http = fixture.ApiB.Anonymous();
        Assert.Equal(["Before"], (await http.List($"category={category}")).Names);
        Assert.Equal("hit", (await http.List($"category={category}")).Cache);

        await fixture.PauseReplay();
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(ProductApi.Put(id, ProductApi.Body("After", category)))).StatusCode);

            // The replica still holds "Before"; the listing must not serve (or cache) that as fresh.
            var fresh = await http.AwaitMiss($"category={category}");
            Assert.Equal(["After"], fresh.Names);
            var again = await http.List($"category={category}");
            Assert.Equal("hit", again.Cache);
            Assert.Equal(["After"], again.Names);
        }
        finally
        {
            await fixture.ResumeReplay();
        }
    }
}
