using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansScale.Queue;

/// <summary>The durable queue of background work ("Queue" section). The timeouts form one budget, checked at
/// start and written down in docs/operations.md: a consumer gives up at <see cref="ConsumerTimeout"/>, before
/// the pulling agent's grain call times out, so an attempt always ends with an answer and is never retried
/// while it still runs; a failed attempt waits <see cref="RetryDelay"/> (doubling, with jitter) before the
/// message is handed out again; and a message stays leased (<see cref="VisibilityTimeout"/>) longer than any
/// attempt can take, so a message that is cached or being worked on is never handed out a second time.</summary>
public sealed class QueueOptions
{
    public const string Section = "Queue";

    /// <summary>How many queues (partitions) the provider spreads streams over, each pulled by one agent on
    /// one silo. The API and every silo must agree.</summary>
    [Range(1, 256)]
    public int Partitions { get; set; } = 4;

    /// <summary>How many messages one partition's agent holds at once (leased, waiting for or in delivery).
    /// A silo thus works on at most this many messages per partition it pulls; the rest of a backlog waits
    /// in Postgres, unleased.</summary>
    [Range(10, 100_000)]
    public int MaxInFlightPerPartition { get; set; } = 512;

    /// <summary>How many deliveries work at once on one silo, over all partitions and consumers; the others wait
    /// their turn, within their deadline. The agents hold far more messages than this (see
    /// <see cref="MaxInFlightPerPartition"/>), so the bound is what keeps a draining backlog from taking every
    /// core from the requests. Fan-outs do not count: most of their time is spent waiting for feeds to write,
    /// and their work is bounded by the feed delivery buffer (Activities:FanOutConcurrency).</summary>
    [Range(1, 10_000)]
    public int ConsumerConcurrency { get; set; } = 16;

    /// <summary>How many messages of one stream a consumer is handed at once, when that many wait: a product
    /// changed many times, an article saved again and again. A batch is one delivery, under one deadline.</summary>
    [Range(1, 1_000)]
    public int DeliveryBatchSize { get; set; } = 16;

    /// <summary>How long a pulling agent remembers a stream that carries nothing: every activity's fan-out is
    /// a stream of its own, so this bounds what the agents hold (Orleans' default is half an hour).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often an idle agent asks its partition for new messages; an agent that finds some reads on
    /// at once until its partition is empty, so this delays only the first message after a quiet spell. Each
    /// poll is a query: at 100 ms the agents of an idle cluster kept Postgres and the silos busy for nothing.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one delivery may take. The consumer is cancelled then and the delivery fails; it is
    /// retried after <see cref="RetryDelay"/>. Must leave room before the silos' grain call timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ConsumerTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a message handed to a silo stays hidden from every other silo. It is confirmed or
    /// failed long before that; it only runs out when the silo holding it died.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the first retry of a failed delivery; each further retry waits twice as long
    /// (up to <see cref="MaxRetryDelay"/>), times a random factor between 1 and 1.5 so that messages that
    /// failed together are not retried together.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries of one message before it is moved to the dead letters. With the default delays the
    /// attempts span about an hour, so only a message that can never succeed gets there, not one caught by
    /// an outage.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>A message not delivered by then is dead-lettered as expired. Long, so work published while
    /// every silo is down waits for them.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ExpiryTimeout { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long dead letters are kept for inspection and replay.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan DeadLetterRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a delivery that failed fast may be retried at once, in the silo, before it counts as
    /// a failed attempt; a delivery that took longer than this is never retried in the silo.</summary>
    public static readonly TimeSpan InProcessRetryWindow = TimeSpan.FromSeconds(1);
}

/// <summary>Checks the rules that tie the queue's timeouts together; a silo refuses to start, naming the
/// settings, when they do not hold. The grain call timeout is the silos' <c>ResponseTimeout</c>.</summary>
public sealed class QueueOptionsValidator(TimeSpan grainCallTimeout) : IValidateOptions<QueueOptions>
{
    /// <summary>Room between a consumer giving up and the pulling agent's call timing out.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    public ValidateOptionsResult Validate(string? name, QueueOptions o)
    {
        var failures = new List<string>();
        if (o.ConsumerTimeout + Margin > grainCallTimeout)
            failures.Add($"Queue:ConsumerTimeout ({o.ConsumerTimeout}) must be at least {Margin} shorter than the silos' grain call " +
                $"timeout ({grainCallTimeout}), or the pulling agent gives up on a consumer that is still working and retries it.");
        // A consumer that gave up may still have a grain call in flight; it ends within the call timeout.
        if (o.RetryDelay < grainCallTimeout)
            failures.Add($"Queue:RetryDelay ({o.RetryDelay}) must be at least the silos' grain call timeout ({grainCallTimeout}), " +
                "so that a retry never overlaps a call left running by the attempt before it.");
        if (o.MaxRetryDelay < o.RetryDelay)
            failures.Add($"Queue:MaxRetryDelay ({o.MaxRetryDelay}) must not be shorter than Queue:RetryDelay ({o.RetryDelay}).");
        // A message waits in the agent's cache behind earlier messages of its stream, then is delivered; three
        // attempts' worth of room covers a stream whose messages keep timing out while others queue behind them.
        var longestHold = 3 * (o.ConsumerTimeout + QueueOptions.InProcessRetryWindow + o.PollInterval);
        if (o.VisibilityTimeout < longestHold)
            failures.Add($"Queue:VisibilityTimeout ({o.VisibilityTimeout}) must be at least three times Queue:ConsumerTimeout plus " +
                $"the in-silo retry window and the poll interval ({longestHold}), or a message still waiting or running is handed out again.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
