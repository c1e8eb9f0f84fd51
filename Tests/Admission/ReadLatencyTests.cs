using OrleansScale.Api.Admission;

namespace OrleansScale.Tests.Admission;

public sealed class ReadLatencyTests
{
    [Fact]
    public void A_quantile_between_two_snapshots_counts_only_the_reads_between_them_and_errs_at_most_a_fifth_high()
    {
        var reads = new ReadLatency();
        for (var i = 0; i < 100; i++)
            reads.Record(TimeSpan.FromMilliseconds(500));
        var before = reads.Snapshot();
        for (var i = 1; i <= 100; i++)
            reads.Record(TimeSpan.FromMilliseconds(i));

        var (count, p90) = ReadLatency.Between(before, reads.Snapshot(), 0.9);

        Assert.Equal(100, count);
        Assert.InRange(p90.TotalMilliseconds, 90, 90 * 1.2);
        Assert.Equal((0, TimeSpan.Zero), ReadLatency.Between(before, before, 0.9));
    }
}
