using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansScale.Bench.ClusterLoad.Api;

/// <summary>What came back for one request: a status and body, or no answer at all (timeout, broken
/// or refused connection).</summary>
public sealed class ApiAnswer
{
    /// <summary>The problem types of the API's refusals by design (Client.Api/Queue/ProblemTypes.cs): a write
    /// refused while the queue lags, while its work cannot be queued, or while the server runs as many writes as
    /// it admits. Only these count as shed; any other
    /// 503, such as the one for a grain call that failed, is a failure even though it carries Retry-After.</summary>
    static readonly string[] SheddingTypes =
        ["urn:orleansscale:problem:queue-lagging", "urn:orleansscale:problem:queue-unavailable", "urn:orleansscale:problem:overloaded"];

    public static readonly ApiAnswer TimedOut = new(0, [], false, OutcomeKind.Timeout);
    public static readonly ApiAnswer ConnectionFailed = new(0, [], false, OutcomeKind.Reset);

    public ApiAnswer(int status, byte[] body, bool hasRetryAfter, OutcomeKind? transportFailure = null)
    {
        Status = status;
        Body = body;
        HasRetryAfter = hasRetryAfter;
        TransportFailure = transportFailure;
    }

    /// <summary>0 when there was no answer.</summary>
    public int Status { get; }

    public byte[] Body { get; }

    public bool HasRetryAfter { get; }

    public OutcomeKind? TransportFailure { get; }

    /// <summary>True for the answers that say nothing about the request's own correctness: no answer
    /// (timeout, reset), a server error (5xx), or load shedding (429, or 503 of a shedding problem type,
    /// with Retry-After: the system refusing work by design). <paramref name="outcome"/> then says which.</summary>
    public bool IsFailureOrShed(out Outcome outcome)
    {
        if (TransportFailure is { } kind)
            outcome = new Outcome(kind);
        else if (HasRetryAfter && (Status == 429 || Status == 503 && Read(ApiJson.Default.Problem)?.Type is { } type && SheddingTypes.Contains(type)))
            outcome = Outcome.Shed(ProblemTitle() ?? $"status {Status}");
        else if (Status >= 500)
            outcome = new Outcome(OutcomeKind.Failed5xx, $"status {Status}: {ProblemTitle() ?? "(no problem details)"}");
        else
        {
            outcome = default;
            return false;
        }
        return true;
    }

    /// <summary>The body of an answer with the expected status, or (false) the outcome to report instead:
    /// the failure or shedding, or a wrong answer naming <paramref name="what"/> for any other status or
    /// for a body that is not the expected JSON.</summary>
    public bool Expect<T>(int status, JsonTypeInfo<T> type, string what, out T body, out Outcome outcome) where T : class
    {
        body = null!;
        if (IsFailureOrShed(out outcome))
            return false;
        if (Status != status)
        {
            outcome = Outcome.Wrong($"unexpected status: {Describe()} for {what}");
            return false;
        }
        if (Read(type) is not { } read)
        {
            outcome = Outcome.Wrong($"unreadable body: {what}");
            return false;
        }
        body = read;
        return true;
    }

    /// <summary>The body as <typeparamref name="T"/>, or null when it is not that JSON.</summary>
    public T? Read<T>(JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(Body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The problem details' title, when the body is one.</summary>
    public string? ProblemTitle() => Read(ApiJson.Default.Problem)?.Title;

    /// <summary>For wrong answers and setup errors: the status and what the body says about it.</summary>
    public string Describe() => TransportFailure switch
    {
        OutcomeKind.Timeout => "no answer within the request timeout",
        OutcomeKind.Reset => "connection refused, reset or closed",
        _ => ProblemTitle() is { } title ? $"{Status} \"{title}\"" : $"{Status}",
    };
}
