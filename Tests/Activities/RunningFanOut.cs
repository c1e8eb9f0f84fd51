using OrleansScale.Activities;
using OrleansScale.Tests.Hosting;
using OrleansScale.Tests.Users;

namespace OrleansScale.Tests.Activities;

/// <summary>A review posted by a user with 1,000 friends, caught while its fan-out runs: the friends, in the order
/// the fan-out goes through them, the activity, and the silo running the fan-out. With a small
/// <c>Activities:FanOutBatchSize</c> it is still running when a test kills that silo.</summary>
sealed record RunningFanOut(IReadOnlyList<string> Friends, IReadOnlyList<string> Order, ActivityView Activity, SiloAddress Host)
{
    public static async Task<RunningFanOut> Start(IGrainFactory grains)
    {
        var author = await TestUsers.Create(grains);
        var friends = await TestUsers.Create(grains, 1000);
        await TestUsers.Befriend(grains, author, friends);
        var order = await grains.GetGrain<OrleansScale.Users.IFriendsGrain>(author).FriendIds();

        var view = await grains.GetGrain<IActivityStreamGrain>(author).Post(Feeds.Review());
        // The fan-out goes through the friends in order, a batch at a time: once the first has it, it runs.
        await Await.Until(() => Feeds.Has(grains, order[0], view.Id), has => has, TimeSpan.FromSeconds(30), "the fan-out to start");
        var fanOut = grains.GetGrain<IActivityFanOutGrain>(ActivityQueue.FanOutKey(author, view.Id));
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(fanOut)
            ?? throw new InvalidOperationException("the running fan-out has no activation");
        return new RunningFanOut(friends, order, view, host);
    }

    /// <summary>Whether the last friend has it already: then the fan-out was over, and a kill proves nothing.</summary>
    public Task<bool> Finished(IGrainFactory grains) => Feeds.Has(grains, Order[^1], Activity.Id);
}
