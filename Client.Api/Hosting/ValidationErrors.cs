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

    /// <summary>Checks a required string's presence and length (in UTF-16 code units after trimming nothing),
    /// and that it can be stored (<see cref="RequireStorableText"/>).</summary>
    public ValidationErrors RequireLength(string field, string? value, int min, int max)
    {
        if (value is null)
            return Add(field, "The field is required.");
        if (value.Length < min || value.Length > max)
            Add(field, min == max ? $"Must be {min} characters." : $"Must be {min} to {max} characters.");
        return RequireStorableText(field, value);
    }

    /// <summary>Refuses text that PostgreSQL cannot store as given: the character U+0000 (text columns
    /// refuse it, so a grain key or a row holding it fails with a server error) and half of a surrogate
    /// pair (not Unicode: encoding it to UTF-8 would store U+FFFD in its place, a different text than the
    /// one acknowledged). Null passes; presence is checked elsewhere.</summary>
    public ValidationErrors RequireStorableText(string field, string? value)
    {
        if (value is null)
            return this;
        if (value.Contains('\0'))
            return Add(field, "Must not contain the character U+0000.");
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(value[i]))
                return Add(field, "Must be valid Unicode text (an unpaired surrogate was found).");
        }
        return this;
    }

    public ValidationProblem ToProblem() => TypedResults.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        title: "The request is not valid.");
}
