using System.Net;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Sessions;

/// <summary>Sessions that live five seconds unused, every use written, and a sweep every second. The grains
/// run on the tests' clock, which stands still here while the sweeper goes by the database's: the API's copies
/// of sessions would be asked for again halfway to their expiry by that clock, so they are kept one second at
/// most instead, as a session in use is asked for again well within its idle timeout in real time.</summary>
public sealed class ExpiredSessionSweepFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Sessions:IdleTimeout", "00:00:05"),
        new("Sessions:ExpiryWriteInterval", "00:00:00"),
        new("Sessions:SweepEvery", "00:00:01"),
        new("SessionCache:MaxAge", "00:00:01"),
    ];
}

public sealed class ExpiredSessionSweepTests(ExpiredSessionSweepFixture fixture) : IClassFixture<ExpiredSessionSweepFixture>
{
    [Fact]
    public async Task The_row_of_a_session_that_expired_unused_is_deleted_and_a_session_in_use_is_kept()
    {
        var idle = await fixture.ApiA.SignUpAndIn();
        var busy = await fixture.ApiA.SignUpAndIn();
        using var idleClient = fixture.ApiB.WithToken(idle.Token);
        using var busyClient = fixture.ApiB.WithToken(busy.Token);
        Assert.Equal(1, await StoredRows(idle.Token));

        // The sweep goes by the database's clock (the grains here run on the tests' manual clock), so
        // real time must pass: the idle row goes after about 15 s, while the busy one is used each second.
        await Await.Until(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, (await busyClient.GetAsync("/api/sessions/current")).StatusCode);
            return await StoredRows(idle.Token);
        }, rows => rows == 0, TimeSpan.FromSeconds(60), "the idle session's row to be swept");

        Assert.Equal(1, await StoredRows(busy.Token));
        Assert.Equal(HttpStatusCode.OK, (await busyClient.GetAsync("/api/sessions/current")).StatusCode);

        // The idle session's activation still holds it; once its own clock says it expired, presenting
        // the token closes it cleanly (its row is already gone) and answers 401, not an error.
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await (await idleClient.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await idleClient.GetAsync("/api/sessions/current")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    Task<long> StoredRows(string token) => fixture.Database.Scalar<long>(
        $"SELECT count(*) FROM orleans_storage WHERE grain_type = 'session' AND grain_id_extension = '{token}'");
}
