namespace OrleansScale.Bench.ClusterLoad.Model;

/// <summary>The newest version of each article a save was acknowledged with (202), one save in flight per article.</summary>
public sealed class ArticleLedger(int count)
{
    readonly long[] ackedVersion = new long[count];

    public KeyLocks Savers { get; } = new(count);

    public int Count => ackedVersion.Length;

    public long AckedVersion(int article) => Volatile.Read(ref ackedVersion[article]);

    public void Acknowledge(int article, long version) => Monotonic.Raise(ref ackedVersion[article], version);
}
