using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using TagList = System.Diagnostics.TagList;

namespace OrleansScale.Queue;

/// <summary>Counts this silo's queue traffic, both as OpenTelemetry instruments (meter
/// <see cref="MeterName"/>) and as totals that the API collects from every silo for /api/cluster and
/// /metrics (<see cref="Snapshot"/>).</summary>
public sealed class QueueMetrics : IDisposable
{
    public const string MeterName = "OrleansScale.Queue";

    readonly Meter meter;
    readonly Counter<long> produced;
    readonly Counter<long> published;
    readonly Counter<long> deliveries;
    readonly Histogram<double> deliverySeconds;
    readonly ConcurrentDictionary<string, Totals> byNamespace = new(StringComparer.Ordinal);

    sealed class Totals
    {
        public long Produced;
        public long Published;
        public readonly ConcurrentDictionary<string, ConsumerTotals> Consumers = new(StringComparer.Ordinal);
    }

    sealed class ConsumerTotals
    {
        public long Delivered;
        public long Failed;
        public long TimedOut;
    }

    public QueueMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        produced = meter.CreateCounter<long>("orleansscale.queue.produced", "{event}",
            "Events put on the queue for the first time");
        published = meter.CreateCounter<long>("orleansscale.queue.published", "{message}",
            "Messages put on the queue, first times and repeats");
        deliveries = meter.CreateCounter<long>("orleansscale.queue.deliveries", "{message}",
            "Queue messages delivered to consumers, by outcome");
        deliverySeconds = meter.CreateHistogram<double>("orleansscale.queue.delivery.duration", "s",
            "How long a consumer took over one delivery (a batch of one stream's messages)");
    }

    /// <summary>A message put on the queue; <paramref name="repeat"/> when its event was published before
    /// (an outbox sent again after a restart).</summary>
    public void Published(string streamNamespace, bool repeat)
    {
        var totals = For(streamNamespace);
        Interlocked.Increment(ref totals.Published);
        published.Add(1, new KeyValuePair<string, object?>("namespace", streamNamespace));
        if (repeat)
            return;
        Interlocked.Increment(ref totals.Produced);
        produced.Add(1, new KeyValuePair<string, object?>("namespace", streamNamespace));
    }

    /// <summary>One delivery of <paramref name="messages"/> messages to a consumer, and how it ended; the
    /// counters count messages.</summary>
    public void Delivered(string streamNamespace, string consumer, int messages, DeliveryOutcome outcome, TimeSpan took)
    {
        var totals = For(streamNamespace).Consumers.GetOrAdd(consumer, _ => new ConsumerTotals());
        switch (outcome)
        {
            case DeliveryOutcome.Done:
                Interlocked.Add(ref totals.Delivered, messages);
                break;
            case DeliveryOutcome.TimedOut:
                Interlocked.Add(ref totals.TimedOut, messages);
                Interlocked.Add(ref totals.Failed, messages);
                break;
            default:
                Interlocked.Add(ref totals.Failed, messages);
                break;
        }
        var tags = new TagList
        {
            { "namespace", streamNamespace },
            { "consumer", consumer },
            { "outcome", outcome switch { DeliveryOutcome.Done => "done", DeliveryOutcome.TimedOut => "timed_out", _ => "failed" } },
        };
        deliveries.Add(messages, tags);
        deliverySeconds.Record(took.TotalSeconds, tags);
    }

    public QueueCounters Snapshot() => new(byNamespace
        .OrderBy(n => n.Key, StringComparer.Ordinal)
        .Select(n => new NamespaceCounters(n.Key, Interlocked.Read(ref n.Value.Produced), Interlocked.Read(ref n.Value.Published),
            n.Value.Consumers.OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => new ConsumerCounters(c.Key, Interlocked.Read(ref c.Value.Delivered),
                    Interlocked.Read(ref c.Value.Failed), Interlocked.Read(ref c.Value.TimedOut)))
                .ToList()))
        .ToList());

    Totals For(string streamNamespace) => byNamespace.GetOrAdd(streamNamespace, _ => new Totals());

    public void Dispose() => meter.Dispose();
}

public enum DeliveryOutcome { Done, Failed, TimedOut }
