using OrleansScale.Users;

namespace OrleansScale.Tests.Users;

/// <summary>Users made straight through the profile grain: no password hashing, so a test can make a
/// thousand in a second. They cannot sign in; use the API's sign-up for users that must.</summary>
public static class TestUsers
{
    public static async Task<string[]> Create(IGrainFactory grains, int count, string prefix = "u")
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        foreach (var batch in ids.Chunk(200))
            await Task.WhenAll(batch.Select(id => grains.GetGrain<IUserGrain>(id).Create(
                new UserProfile(id, prefix + id[..10], "User " + id[..6], IsAdmin: false, DateTimeOffset.UtcNow))));
        return ids;
    }

    public static async Task<string> Create(IGrainFactory grains) => (await Create(grains, 1))[0];

    /// <summary>Makes every one of <paramref name="friendIds"/> befriend <paramref name="userId"/>, many at once.</summary>
    public static async Task Befriend(IGrainFactory grains, string userId, IEnumerable<string> friendIds)
    {
        foreach (var batch in friendIds.Chunk(100))
        {
            var outcomes = await Task.WhenAll(batch.Select(f => grains.GetGrain<IFriendsGrain>(f).Befriend(userId)));
            Assert.All(outcomes, o => Assert.Equal(FriendshipOutcome.Done, o));
        }
    }
}
