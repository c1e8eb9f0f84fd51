using System.Globalization;

namespace OrleansScale.Deploy.SlowLink;

/// <summary>What the cable does to each frame, in each direction on its own: delays it by
/// <see cref="Delay"/> ± <see cref="Jitter"/> (uniform), loses <see cref="LossPercent"/> of them at random,
/// and holds at most <see cref="Limit"/> frames (more are lost, like a full queue of a network card).</summary>
sealed record LinkSettings(TimeSpan Delay, TimeSpan Jitter, double LossPercent, int Limit)
{
    /// <summary>"100ms", "0.1s" or "100" (milliseconds), as tc netem takes them.</summary>
    public static TimeSpan ParseTime(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var (number, unitMs) = t.EndsWith("ms") ? (t[..^2], 1.0)
            : t.EndsWith("us") ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1000.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
            throw new FormatException($"Not a time: '{text}' (say 100ms, 0.1s or 100).");
        return TimeSpan.FromMilliseconds(value * unitMs);
    }

    /// <summary>"5%" or "5": a share of the frames, 0 to 100.</summary>
    public static double ParsePercent(string text)
    {
        var t = text.Trim().TrimEnd('%');
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 100)
            throw new FormatException($"Not a percentage from 0 to 100: '{text}'.");
        return value;
    }

    public override string ToString() =>
        FormattableString.Invariant($"delay {Delay.TotalMilliseconds:0.#} ms ± {Jitter.TotalMilliseconds:0.#} ms, loss {LossPercent:0.##} %, limit {Limit} frames");
}
