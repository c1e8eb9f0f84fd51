using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansScale.Api.Hosting;

/// <summary>Collects what is wrong with a request, keyed by the field's JSON name, and becomes a
/// 400 validation problem.</summary>
public sealed class ValidationErrors
{
    readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsValid => errors.Count == 0;

    public ValidationErrors Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var messages))
            errors[field] = messages = [];
        messages.Add(message);
        return this;
    }

    /// <summary>Checks a required string's presence and length (in UTF-16 code units after trimming nothing).</summary>
    public ValidationErrors RequireLength(string field, string? value, int min, int max)
    {
        if (value is null)
            return Add(field, "The field is required.");
        if (value.Length < min || value.Length > max)
            Add(field, min == max ? $"Must be {min} characters." : $"Must be {min} to {max} characters.");
        return this;
    }

    public ValidationProblem ToProblem() => TypedResults.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        title: "The request is not valid.");
}
