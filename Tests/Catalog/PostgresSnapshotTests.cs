using OrleansScale.Catalog;

namespace OrleansScale.Tests.Catalog;

public sealed class PostgresSnapshotTests
{
    [Theory]
    [InlineData("10:20:12,15", 9, true)]    // ended before the oldest running one
    [InlineData("10:20:12,15", 12, false)]  // running when the snapshot was taken
    [InlineData("10:20:12,15", 13, true)]   // ended between the oldest and the newest
    [InlineData("10:20:12,15", 20, false)]  // began after the snapshot
    [InlineData("10:20:12,15", 25, false)]
    [InlineData("748:748:", 747, true)]     // nothing running
    [InlineData("748:748:", 748, false)]
    public void A_snapshot_sees_a_committed_transaction_that_ended_before_it_was_taken(string snapshot, ulong xid, bool sees) =>
        Assert.Equal(sees, PostgresSnapshot.Parse(snapshot).Sees(xid));

    [Theory]
    [InlineData("")]
    [InlineData("10:20")]
    [InlineData("a:b:")]
    public void Text_that_is_not_a_snapshot_is_refused(string text) =>
        Assert.ThrowsAny<FormatException>(() => PostgresSnapshot.Parse(text));
}
