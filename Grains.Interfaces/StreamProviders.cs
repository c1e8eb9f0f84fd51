namespace OrleansScale;

/// <summary>Names of the stream providers that carry queued background work.</summary>
public static class StreamProviders
{
    /// <summary>The durable queue in Postgres (Orleans ADO.NET streams).</summary>
    public const string Queue = "queue";
}
