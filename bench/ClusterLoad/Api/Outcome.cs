namespace OrleansScale.Bench.ClusterLoad.Api;

/// <summary>How one request ended, in the project's order of badness: a wrong answer, then (found only
/// by the end checks) a lost write, then an error (5xx, timeout, reset), then load shedding by design.
/// A slow answer is still <see cref="Ok"/>; its latency tells.</summary>
public enum OutcomeKind
{
    /// <summary>Answered, and the answer agrees with everything this driver had acknowledged.</summary>
    Ok,
    /// <summary>Answered, and the answer contradicts what was acknowledged before the request was sent.</summary>
    Wrong,
    /// <summary>Acknowledged earlier, and the end checks after the drain did not find it.</summary>
    Lost,
    /// <summary>A 5xx other than load shedding by design (a 503 for a failed grain call among them).</summary>
    Failed5xx,
    /// <summary>No answer within the request timeout.</summary>
    Timeout,
    /// <summary>The connection was refused, reset or closed before an answer.</summary>
    Reset,
    /// <summary>429, or 503 of a shedding problem type, with Retry-After: the system refusing new work while its queue lags.</summary>
    Shed,
    /// <summary>Not sent: every key this operation may use had a request in flight already.</summary>
    KeyBusy,
    /// <summary>A bug in this driver (an exception in an operation): never counted as the system's fault.</summary>
    DriverError,
}

public readonly record struct Outcome(OutcomeKind Kind, string? Detail = null)
{
    public static readonly Outcome Ok = new(OutcomeKind.Ok);

    public static readonly Outcome KeyBusy = new(OutcomeKind.KeyBusy);

    public static Outcome Wrong(string why) => new(OutcomeKind.Wrong, why);

    public static Outcome Lost(string why) => new(OutcomeKind.Lost, why);

    public static Outcome Shed(string title) => new(OutcomeKind.Shed, title);

    public bool IsFailure => Kind is OutcomeKind.Failed5xx or OutcomeKind.Timeout or OutcomeKind.Reset;

    /// <summary>The request got an answer that was not a failure or a refusal (right or wrong).</summary>
    public bool IsServed => Kind is OutcomeKind.Ok or OutcomeKind.Wrong;
}
