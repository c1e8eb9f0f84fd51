namespace OrleansScale.Tests.Hosting;

/// <summary>A clock the test moves by hand, shared by the in-process silos of a test cluster.</summary>
public sealed class ManualClock : TimeProvider
{
    DateTimeOffset now = DateTimeOffset.UtcNow;
    readonly Lock gate = new();

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
            return now;
    }

    public void Advance(TimeSpan by)
    {
        lock (gate)
            now += by;
    }
}
