using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansScale.Deploy.SlowLink;

/// <summary>One direction of the cable: frames read from one interface are written to the other once their
/// delay has passed. They leave in the order they came, as on one cable (netem's jitter reorders them; TCP
/// would take that as loss), so a frame's departure is its arrival plus its drawn delay, or the departure of
/// the frame before it if that is later.</summary>
sealed class DelayLine(string name, TapDevice from, TapDevice to, LinkSettings settings, Random random)
{
    readonly BlockingCollection<(long DueTicks, byte[] Frame)> inFlight = new(settings.Limit);
    long lastDue;
    long passed, lost, overflowed, refused;

    public void Start()
    {
        new Thread(Receive) { IsBackground = true, Name = name + " in" }.Start();
        new Thread(Send) { IsBackground = true, Name = name + " out" }.Start();
    }

    public string Counts() =>
        $"{name}: {Interlocked.Read(ref passed)} passed, {Interlocked.Read(ref lost)} lost at random, " +
        $"{Interlocked.Read(ref overflowed)} over the limit, {Interlocked.Read(ref refused)} refused by {to.Name}";

    void Receive()
    {
        var buffer = new byte[65536];
        while (true)
        {
            var length = from.Read(buffer);
            if (length == 0)
                return;
            if (random.NextDouble() * 100 < settings.LossPercent)
            {
                Interlocked.Increment(ref lost);
                continue;
            }
            var jitter = (long)((random.NextDouble() * 2 - 1) * settings.Jitter.Ticks);
            var delay = Math.Max(0, settings.Delay.Ticks + jitter);
            var due = Math.Max(Stopwatch.GetTimestamp() + delay * Stopwatch.Frequency / TimeSpan.TicksPerSecond, lastDue);
            lastDue = due;
            if (!inFlight.TryAdd((due, buffer.AsSpan(0, length).ToArray())))
                Interlocked.Increment(ref overflowed);
        }
    }

    void Send()
    {
        foreach (var (due, frame) in inFlight.GetConsumingEnumerable())
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                Thread.Sleep(wait);
            if (to.Write(frame))
                Interlocked.Increment(ref passed);
            else
                Interlocked.Increment(ref refused);
        }
    }
}
