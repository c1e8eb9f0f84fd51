namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>Closed-loop work: a body for each of 0 … count − 1 with at most <c>concurrency</c> running,
/// for seeding and checking (not for measured load, which is open loop).</summary>
public static class Bounded
{
    public static Task ForEach(int count, int concurrency, CancellationToken stop, Func<int, Task> body) =>
        Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stop },
            async (i, _) => await body(i));
}
