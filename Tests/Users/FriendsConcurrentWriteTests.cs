using Orleans.Core.Internal;
using OrleansScale.Tests.Hosting;
using OrleansScale.Users;

namespace OrleansScale.Tests.Users;

/// <summary>A user's friends grain takes friendships from many users at once: its calls interleave with
/// its own storage writes, and the storage provider serializes the state on a thread of its own. Seen in
/// CI as "Collection was modified" from the serializer, failing a Befriend.</summary>
public sealed class FriendsConcurrentWriteTests(StorageFaultFixture fixture) : IClassFixture<StorageFaultFixture>
{
    [Fact]
    public async Task Friendships_accepted_during_a_slow_write_leave_the_written_state_alone_and_are_all_stored()
    {
        var grains = fixture.Cluster.Client;
        var popular = await TestUsers.Create(grains);
        var others = await TestUsers.Create(grains, 60);
        // Slow enough that every write has later Accepts arriving while it runs.
        StorageFaults.WatchWrites("friends", popular, TimeSpan.FromMilliseconds(100));

        await TestUsers.Befriend(grains, popular, others);

        Assert.DoesNotContain(StorageFaults.ChangedDuringWrite, write => write.Contains(popular));
        var friends = grains.GetGrain<IFriendsGrain>(popular);
        await friends.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        // The next call reaches a new activation, which reads what was stored.
        Assert.Equal(others.Order(StringComparer.Ordinal), (await friends.FriendIds()).Order(StringComparer.Ordinal));
    }
}
