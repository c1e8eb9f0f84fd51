using System.Diagnostics.Metrics;
using OrleansScale.Queue;

namespace OrleansScale.Api.Queue;

/// <summary>The queue on /metrics, read when scraped: depth, leases, retries and age per partition and dead
/// letters by reason from Postgres (<see cref="QueueMonitor"/>), and per silo what it published and what its
/// consumers did (<see cref="SiloQueueCounters"/>), with the amplification (published / produced) per
/// namespace.</summary>
public sealed class QueueMetricsExport : IDisposable
{
    public const string MeterName = "OrleansScale.Queue.Api";

    readonly Meter meter;
    readonly QueueMonitor monitor;
    readonly QueueBackpressure backpressure;
    readonly SiloQueueCounters silos;

    public QueueMetricsExport(IMeterFactory meters, QueueMonitor monitor, QueueBackpressure backpressure, SiloQueueCounters silos)
    {
        this.monitor = monitor;
        this.backpressure = backpressure;
        this.silos = silos;
        meter = meters.Create(MeterName);
        meter.CreateObservableGauge("orleansscale.queue.depth", () => Partitions(p => p.Depth), "{message}",
            "Messages on the queue: waiting, leased or waiting out a retry delay");
        meter.CreateObservableGauge("orleansscale.queue.leased", () => Partitions(p => p.Leased), "{message}",
            "Messages handed to a silo and not yet confirmed or failed");
        meter.CreateObservableGauge("orleansscale.queue.retrying", () => Partitions(p => p.Retrying), "{message}",
            "Failed messages waiting for their retry delay");
        meter.CreateObservableGauge("orleansscale.queue.stranded", () => Partitions(p => p.Stranded), "{message}",
            "Messages leased by a silo that stopped or died, handed out again when the lease runs out");
        meter.CreateObservableGauge("orleansscale.queue.oldest_age", () => Partitions(p => p.OldestAge.TotalSeconds), "s",
            "Age of the oldest message on the queue, in any state");
        meter.CreateObservableGauge("orleansscale.queue.backlog_age", () => Partitions(p => p.BacklogAge.TotalSeconds), "s",
            "Age of the oldest message on its first attempt, waiting or held by a live silo: what back-pressure watches");
        meter.CreateObservableGauge("orleansscale.queue.dead_letters", DeadLetters, "{message}",
            "Messages given up on, by reason (failed, abandoned, expired)");
        meter.CreateObservableGauge("orleansscale.queue.backpressure", Backpressure, null,
            "1 while writes that create background work are refused");
        meter.CreateObservableCounter("orleansscale.queue.produced", () => PerSilo((n, _) => n.Produced), "{event}",
            "Events put on the queue for the first time, per silo since it started");
        meter.CreateObservableCounter("orleansscale.queue.published", () => PerSilo((n, _) => n.Published), "{message}",
            "Messages put on the queue, first times and repeats, per silo since it started");
        meter.CreateObservableCounter("orleansscale.queue.delivered", () => PerConsumer(c => c.Delivered), "{delivery}",
            "Deliveries a consumer finished, per silo since it started");
        meter.CreateObservableCounter("orleansscale.queue.failed", () => PerConsumer(c => c.Failed), "{delivery}",
            "Deliveries that failed (timed-out ones included), per silo since it started");
        meter.CreateObservableGauge("orleansscale.queue.amplification", Amplification, null,
            "Messages published per event produced, over every active silo's lifetime");
    }

    // Instrument callbacks are synchronous; a scrape is rare and each source answers in milliseconds.
    QueueSnapshot? Snapshot() => monitor.Current().GetAwaiter().GetResult();

    IEnumerable<Measurement<T>> Partitions<T>(Func<PartitionSnapshot, T> value) where T : struct =>
        Snapshot()?.Partitions.Select(p => new Measurement<T>(value(p), new KeyValuePair<string, object?>("queue", p.Queue))) ?? [];

    IEnumerable<Measurement<long>> DeadLetters() =>
        Snapshot() is { } snapshot
            ? new[] { "failed", "abandoned", "expired" }.Union(snapshot.DeadLettersByReason.Keys).Select(reason =>
                new Measurement<long>(snapshot.DeadLettersByReason.GetValueOrDefault(reason), new KeyValuePair<string, object?>("reason", reason)))
            : [];

    Measurement<int> Backpressure() => new(backpressure.Reason().GetAwaiter().GetResult() is null ? 0 : 1);

    IReadOnlyList<(string Silo, QueueCounters Counters)> Silos() => silos.Read().GetAwaiter().GetResult();

    IEnumerable<Measurement<long>> PerSilo(Func<NamespaceCounters, string, long> value) =>
        Silos().SelectMany(s => s.Counters.Namespaces.Select(n => new Measurement<long>(value(n, s.Silo),
            new("namespace", n.Namespace), new("silo", s.Silo))));

    IEnumerable<Measurement<long>> PerConsumer(Func<ConsumerCounters, long> value) =>
        Silos().SelectMany(s => s.Counters.Namespaces.SelectMany(n => n.Consumers.Select(c => new Measurement<long>(value(c),
            new("namespace", n.Namespace), new("consumer", c.Consumer), new("silo", s.Silo)))));

    IEnumerable<Measurement<double>> Amplification() =>
        SiloQueueCounters.Total(Silos().Select(s => s.Counters))
            .Where(n => n.Produced > 0)
            .Select(n => new Measurement<double>((double)n.Published / n.Produced, new KeyValuePair<string, object?>("namespace", n.Namespace)));

    public void Dispose() => meter.Dispose();
}
