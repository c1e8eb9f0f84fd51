using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Orleans.Streams;
using OrleansScale.Queue;
using OrleansScale.Silo.Hosting;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Queue;

/// <summary>One silo to start with; the test adds and stops others.</summary>
public sealed class QueueBalanceFixture : ClusterFixture
{
    protected override bool OneSilo => true;
}

[Collection(SiloFailureCollection.Name)]
public sealed class QueueBalanceTests(QueueBalanceFixture fixture) : IClassFixture<QueueBalanceFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    static readonly int Partitions = new QueueOptions().Partitions;

    Task<int[]> AgentsPerSilo(int pulled) => QueueAgents.AwaitSettled(fixture.Cluster.Client, pulled, Patience);

    Task<int[]> AgentsPerSilo() => AgentsPerSilo(Partitions);

    [Fact]
    public async Task Every_active_silo_pulls_an_even_share_of_the_queue_as_silos_join_and_leave_and_a_stopping_one_can_give_its_share_up_first()
    {
        Assert.Equal(4, Partitions); // the shares below are for 4
        Assert.Equal(new[] { 4 }, await AgentsPerSilo());

        await fixture.Cluster.StartAdditionalSiloAsync();
        Assert.Equal(new[] { 2, 2 }, await AgentsPerSilo());

        var third = await fixture.Cluster.StartAdditionalSiloAsync();
        Assert.Equal(new[] { 1, 1, 2 }, await AgentsPerSilo());

        // What the drain does first: the silo's agents stop while it is still a member, and its partition waits
        // for the others to see it leave. A lease it still holds in every partition, as one whose delivery was
        // running when its agent stopped: the partition it gives up gets its lease back at once; the others are
        // not its to hand back.
        var leasedBy = ProviderConnectionNames.ApplicationName(third.SiloAddress);
        await LeaseInEveryPartition(leasedBy);
        var services = ((InProcessSiloHandle)third).SiloHost.Services;
        await services.GetRequiredService<QueueBalancers>().Relinquish();
        Assert.Equal(new[] { 0, 1, 2 }, await AgentsPerSilo(Partitions - 1));
        Assert.Equal(1, await fixture.Database.Scalar<long>(
            $"SELECT count(*) FROM orleans_stream_message WHERE payload = '\\x00'::bytea AND visible_on <= now() AND leased_by IS NULL"));
        Assert.Equal(Partitions - 1, await fixture.Database.Scalar<long>(
            $"SELECT count(*) FROM orleans_stream_message WHERE payload = '\\x00'::bytea AND visible_on > now() AND leased_by = '{leasedBy}'"));
        await fixture.Database.Execute("DELETE FROM orleans_stream_message WHERE payload = '\\x00'::bytea");

        await fixture.Cluster.StopSiloAsync(third);
        Assert.Equal(new[] { 2, 2 }, await AgentsPerSilo());
    }

    /// <summary>A message in each partition leased by that silo for 5 minutes; its payload (one zero byte) marks it.</summary>
    async Task LeaseInEveryPartition(string leasedBy)
    {
        var serviceId = fixture.Cluster.Options.ServiceId;
        await fixture.Database.Execute($$"""
            INSERT INTO orleans_stream_message
                    (service_id, provider_id, queue_id, dequeued, visible_on, expires_on, created_on, modified_on, payload, leased_by)
            SELECT '{{serviceId}}', '{{StreamProviders.Queue}}', 'queue-' || i, 1, now() + interval '5 minutes',
                   now() + interval '1 day', now(), now(), '\x00'::bytea, '{{leasedBy}}'
              FROM generate_series(0, {{Partitions - 1}}) AS i
            """);
    }

    [Fact]
    public void The_shares_follow_the_order_of_the_silos_and_a_silo_not_active_pulls_nothing()
    {
        var partitions = Enumerable.Range(0, 5).Select(i => QueueId.GetQueueId("queue", (uint)i, (uint)i)).ToList();
        var silos = Enumerable.Range(0, 3).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1)).ToList();

        var shares = silos.Select(silo => EvenQueueBalancer.Share(partitions, silos, silo)).ToList();

        Assert.Equal([2, 2, 1], shares.Select(share => share.Count));
        Assert.Equal(partitions.Order(), shares.SelectMany(share => share).Order());
        var stopping = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11199), 1);
        Assert.Empty(EvenQueueBalancer.Share(partitions, silos, stopping));
    }
}
