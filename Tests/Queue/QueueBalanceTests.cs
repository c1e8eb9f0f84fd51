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
    protected override bool OneOfEach => true;
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

        // What the drain does first: the silo's agents stop while it is still a member; its partition waits
        // for the others to see it leave.
        var services = ((InProcessSiloHandle)third).SiloHost.Services;
        await services.GetRequiredService<QueueBalancers>().Relinquish();
        Assert.Equal(new[] { 0, 1, 2 }, await AgentsPerSilo(Partitions - 1));

        await fixture.Cluster.StopSiloAsync(third);
        Assert.Equal(new[] { 2, 2 }, await AgentsPerSilo());
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
