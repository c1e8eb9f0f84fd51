namespace OrleansScale.Tests.Hosting;

/// <summary>The queue as the test's database holds it, and settings that make it retry and hand out the
/// messages of a killed silo within seconds.</summary>
public static class QueueProbe
{
    /// <summary>A consistent, short timeout budget (see QueueOptionsValidator): consumers give up after 4 s,
    /// grain calls after 9 s, a failed delivery is retried after 9 s and a dead silo's messages come back
    /// after 16 s; agents poll every 100 ms. Feeds write within 1.5 s, so that a fan-out's wait for their writes fits the consumers'
    /// deadline (ActivityOptionsValidator).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> ShortTimeouts =>
    [
        new("Activities:FeedFlushInterval", "00:00:01"),
        new("Queue:ConsumerTimeout", "00:00:04"),
        new("Orleans:GrainCallTimeout", "00:00:09"),
        new("Queue:RetryDelay", "00:00:09"),
        new("Queue:VisibilityTimeout", "00:00:16"),
        new("Queue:PollInterval", "00:00:00.100"),
    ];

    /// <summary>Messages on the queue: waiting, leased or waiting for a retry.</summary>
    public static Task<long> Queued(TestDatabase database) =>
        database.Scalar<long>("SELECT count(*) FROM orleans_stream_message");

    public static Task<long> DeadLetters(TestDatabase database) =>
        database.Scalar<long>("SELECT count(*) FROM orleans_stream_dead_letter");

    /// <summary>Waits until every message on the queue was consumed (its consumers finished with it).</summary>
    public static Task AwaitEmpty(TestDatabase database, TimeSpan timeout, string what) =>
        Await.Until(() => Queued(database), queued => queued == 0, timeout, $"an empty queue ({what}); messages left");
}
