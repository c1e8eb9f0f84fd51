using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansScale.Bench.ClusterLoad.Api;
using OrleansScale.Bench.ClusterLoad.Measurement;

namespace OrleansScale.Bench.ClusterLoad.Workload;

/// <summary>An operation and the requests per second it is offered at.</summary>
public sealed record OfferedLoad(Operation Operation, double Rate);

/// <summary>Open loop: request k of an operation is due at phase start + k / rate, whether or not earlier
/// ones have been answered, and its latency runs from when it was due, not from when it was sent, so a
/// slow system cannot slow the offered load down and hide its own queueing (no coordinated omission).
/// Each operation may have at most <c>inFlightCap</c> requests out; one due beyond that is counted as not
/// sent (client cap) rather than queued in the driver.</summary>
public sealed class OpenLoopScheduler(RunClock clock, Timeline timeline, EventWindows windows, int inFlightCap, TextWriter log)
{
    /// <summary>How often due requests are launched: a request waits at most this long past its due time,
    /// and that wait counts in its latency.</summary>
    static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(2);

    const int DriverErrorsShown = 5;

    readonly ConcurrentDictionary<string, StrongBox<int>> inFlight = new();
    int driverErrors;

    /// <summary>Offers <paramref name="load"/> for <paramref name="duration"/> (or until stopped), then
    /// marks the phase done with scheduling; the requests still out finish on their own (see
    /// <see cref="Phase.WhenQuiet"/>).</summary>
    public async Task RunAsync(Phase phase, IReadOnlyList<OfferedLoad> load, TimeSpan duration, CancellationToken stop)
    {
        var lanes = load.Where(l => l.Rate > 0).Select(l => new Lane(
            l.Operation, l.Rate, phase.Add(new OperationStats(l.Operation.Name, l.Operation.Group, l.Rate)),
            inFlight.GetOrAdd(l.Operation.Name, _ => new StrongBox<int>()))).ToArray();
        var start = clock.Elapsed;
        var end = start + duration;
        using var timer = new PeriodicTimer(Tick);
        try
        {
            do
            {
                var now = clock.Elapsed;
                foreach (var lane in lanes)
                {
                    while (start + TimeSpan.FromSeconds(lane.Launched / lane.Rate) is var due && due <= now && due < end)
                    {
                        lane.Launched++;
                        Launch(phase, lane, due);
                    }
                }
                if (now >= end)
                    break;
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
            phase.Aborted = true;
        }
        phase.SchedulingDone(clock.Elapsed);
    }

    void Launch(Phase phase, Lane lane, TimeSpan due)
    {
        lane.Stats.CountDue();
        timeline.Due(lane.Operation.Group, due);
        if (Interlocked.Increment(ref lane.InFlight.Value) > inFlightCap)
        {
            Interlocked.Decrement(ref lane.InFlight.Value);
            lane.Stats.CountNotSentCap();
            timeline.NotSent(lane.Operation.Group);
            windows.Record(lane.Operation.Name, lane.Operation.Group, lane.Rate, due, null, null);
            return;
        }
        phase.RequestStarted();
        _ = RunOne(phase, lane, due);
    }

    async Task RunOne(Phase phase, Lane lane, TimeSpan due)
    {
        Outcome outcome;
        try
        {
            outcome = await lane.Operation.ExecuteAsync(phase);
        }
        catch (Exception e)
        {
            outcome = new Outcome(OutcomeKind.DriverError, $"{e.GetType().Name}: {e.Message}");
            if (Interlocked.Increment(ref driverErrors) <= DriverErrorsShown)
                log.WriteLine($"driver error in {lane.Operation.Name}: {e}");
        }
        TimeSpan? latency = outcome.Kind == OutcomeKind.KeyBusy ? null : clock.Elapsed - due;
        lane.Stats.Record(outcome, latency);
        timeline.Ended(lane.Operation.Group, outcome, latency);
        windows.Record(lane.Operation.Name, lane.Operation.Group, lane.Rate, due, outcome, latency);
        Interlocked.Decrement(ref lane.InFlight.Value);
        phase.RequestEnded();
    }

    sealed class Lane(Operation operation, double rate, OperationStats stats, StrongBox<int> inFlight)
    {
        public Operation Operation { get; } = operation;
        public double Rate { get; } = rate;
        public OperationStats Stats { get; } = stats;
        public StrongBox<int> InFlight { get; } = inFlight;
        public long Launched;
    }
}
