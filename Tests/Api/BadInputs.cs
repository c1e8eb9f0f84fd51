using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansScale.Tests.Api;

/// <summary>A request made invalid in one place. <see cref="Field"/> is the name the answer must give it (the
/// JSON path of a body field as the API names it, or a parameter's name); null for a body that is wrong as a
/// whole.</summary>
public sealed record BadInput(string? Field, string What, byte[]? Body, string? PathValue = null, string? Query = null,
    string ContentType = "application/json");

/// <summary>Derives invalid inputs from the schemas of the served document: for every field of a request
/// body, the wrong JSON types, null where it is not nullable, absence where it is required, numbers out of
/// range or beyond every number type (1e400, 1e-400), text a database cannot store (U+0000, an unpaired
/// surrogate, bytes that are not UTF-8), empty and over-long text, arrays with too few or too many items; for
/// parameters, values the documented types and bounds exclude. Nothing is listed by hand, so a field or a
/// bound added to a request is tried as soon as the document shows it.</summary>
public sealed class BadInputs(OpenApiDocumentView document)
{
    /// <summary>Raw JSON (or raw bytes) spliced in where the valid body's value stood: what a serializer of
    /// well-formed .NET strings cannot write, such as "\ud800" or 1e400.</summary>
    const string Marker = "\"\u2603splice\u2603\"";

    public IEnumerable<BadInput> ForBody(JsonElement schema, JsonNode valid)
    {
        foreach (var whole in WholeBodies())
            yield return whole;
        foreach (var bad in ForObject(document.Resolve(schema), valid, [], ""))
            yield return bad;
    }

    static IEnumerable<BadInput> WholeBodies()
    {
        yield return new(null, "truncated JSON", Encoding.UTF8.GetBytes("{\"a\":"));
        yield return new(null, "not JSON", Encoding.UTF8.GetBytes("hello"));
        yield return new(null, "an array for the body", Encoding.UTF8.GetBytes("[1,2]"));
        yield return new(null, "a string for the body", Encoding.UTF8.GetBytes("\"x\""));
        yield return new(null, "null for the body", Encoding.UTF8.GetBytes("null"));
        yield return new(null, "an empty body", []);
        yield return new(null, "text/plain", Encoding.UTF8.GetBytes("{}"), ContentType: "text/plain");
    }

    IEnumerable<BadInput> ForObject(JsonElement schema, JsonNode valid, List<object> at, string field)
    {
        if (!schema.TryGetProperty("properties", out var properties))
            yield break;
        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(n => n.GetString()!).ToHashSet() : [];
        foreach (var property in properties.EnumerateObject())
        {
            var path = at.Append(property.Name).ToList();
            var name = field.Length == 0 ? property.Name : field + "." + property.Name;
            if (required.Contains(property.Name))
                yield return new(name, "missing", Remove(valid, path));
            foreach (var bad in ForValue(document.Resolve(property.Value), valid, path, name))
                yield return bad;
        }
    }

    IEnumerable<BadInput> ForValue(JsonElement schema, JsonNode valid, List<object> at, string field)
    {
        var types = Types(schema);
        BadInput Raw(string what, string json) => new(field, what, Replace(valid, at, Encoding.UTF8.GetBytes(json)));

        if (!types.Contains("null"))
            yield return Raw("null", "null");
        if (types.Contains("string"))
        {
            yield return Raw("a number for text", "42");
            yield return Raw("an object for text", "{}");
            yield return Raw("U+0000", "\"a\\u0000b\"");
            yield return Raw("an unpaired high surrogate", "\"a\\ud800b\"");
            yield return Raw("an unpaired low surrogate", "\"\\udc00\"");
            yield return new(field, "bytes that are not UTF-8", Replace(valid, at, [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"']));
            if (Int(schema, "minLength") is >= 1)
                yield return Raw("empty text", "\"\"");
            if (Int(schema, "maxLength") is { } max)
                yield return Raw($"{max + 1} characters", JsonSerializer.Serialize(new string('a', max + 1)));
            if (schema.TryGetProperty("pattern", out _))
                yield return Raw("text outside the pattern", "\"!! ?\"");
        }
        if (types.Contains("integer") || types.Contains("number"))
        {
            yield return Raw("a number as text", "\"2\"");
            yield return Raw("true for a number", "true");
            yield return Raw("1e400", "1e400");
            yield return Raw("-1e400", "-1e400");
            if (Number(schema, "minimum") is { } min)
                yield return Raw("below the minimum", (min - 1).ToString(CultureInfo.InvariantCulture));
            if (Number(schema, "maximum") is { } max)
                yield return Raw("above the maximum", (max + 1).ToString(CultureInfo.InvariantCulture));
        }
        if (types.Contains("integer"))
        {
            yield return Raw("a fraction for a whole number", "1.5");
            yield return Raw("beyond a 32-bit integer", "2147483648");
        }
        else if (types.Contains("number"))
        {
            yield return Raw("1e-400", "1e-400");
            yield return Raw("30 significant digits", "1.00000000000000000000000000001");
            if (schema.TryGetProperty("multipleOf", out var step))
                yield return Raw("more places than the step allows", (step.GetDecimal() / 10).ToString(CultureInfo.InvariantCulture));
        }
        if (types.Contains("array"))
        {
            yield return Raw("text for a list", "\"x\"");
            yield return Raw("an object for a list", "{}");
            var items = Navigate(valid, at) as JsonArray;
            if (Int(schema, "minItems") is >= 1)
                yield return Raw("an empty list", "[]");
            if (Int(schema, "maxItems") is { } most && items is [var first, ..])
                yield return Raw($"{most + 1} items", "[" + string.Join(",", Enumerable.Repeat(first!.ToJsonString(), most + 1)) + "]");
            if (items is [_, ..] && schema.TryGetProperty("items", out var itemSchema))
            {
                foreach (var bad in ForValue(document.Resolve(itemSchema), valid, at.Append(0).ToList(), field + "[0]"))
                    yield return bad;
            }
        }
        if (types.Contains("object"))
        {
            yield return Raw("text for an object", "\"x\"");
            yield return Raw("a list for an object", "[]");
            foreach (var bad in ForObject(schema, valid, at, field))
                yield return bad;
        }
    }

    /// <summary>Bad values of a path or query parameter, from its schema.</summary>
    public static IEnumerable<string> ForParameter(JsonElement schema, bool inPath)
    {
        var types = Types(schema);
        // A NUL in the path is refused by the server before routing (Kestrel answers 400; the test server throws),
        // so it is tried in the query only.
        if (!inPath)
        {
            yield return "%00";
            yield return "a%00b";
        }
        yield return "%ED%A0%80"; // an encoded surrogate: not UTF-8
        yield return "%FF";
        if (inPath)
        {
            yield return new string('a', 3000);
            yield return "%20";
            yield return "..%2F..";
            yield return "%F0%9F%98%80"; // an emoji: valid, but no id of ours
        }
        if (types.Contains("integer"))
        {
            yield return "abc";
            yield return "1.5";
            yield return "1e400";
            yield return "2147483648";
            if (Number(schema, "minimum") is { } min)
                yield return (min - 1).ToString(CultureInfo.InvariantCulture);
            if (Number(schema, "maximum") is { } max)
                yield return (max + 1).ToString(CultureInfo.InvariantCulture);
        }
        if (schema.TryGetProperty("enum", out _))
            yield return "bogus";
        if (Int(schema, "maxLength") is { } longest)
            yield return new string('a', longest + 1);
        if (schema.TryGetProperty("pattern", out _))
            yield return "!!";
    }

    static HashSet<string> Types(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
            return [];
        return type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToHashSet() : [type.GetString()!];
    }

    static int? Int(JsonElement schema, string keyword) => schema.TryGetProperty(keyword, out var value) ? value.GetInt32() : null;

    static decimal? Number(JsonElement schema, string keyword) => schema.TryGetProperty(keyword, out var value) ? value.GetDecimal() : null;

    static JsonNode? Navigate(JsonNode node, List<object> at)
    {
        JsonNode? current = node;
        foreach (var step in at)
            current = step is int index ? current?.AsArray().ElementAtOrDefault(index) : current?.AsObject()[(string)step];
        return current;
    }

    static byte[] Remove(JsonNode valid, List<object> at)
    {
        var copy = valid.DeepClone();
        (Navigate(copy, at[..^1]) as JsonObject)?.Remove((string)at[^1]);
        return Encoding.UTF8.GetBytes(copy.ToJsonString());
    }

    /// <summary>The valid body with the value at <paramref name="at"/> replaced by raw bytes.</summary>
    static byte[] Replace(JsonNode valid, List<object> at, byte[] raw)
    {
        var copy = valid.DeepClone();
        var parent = Navigate(copy, at[..^1]);
        var marker = JsonValue.Create("\u2603splice\u2603");
        if (at[^1] is int index)
            parent!.AsArray()[index] = marker;
        else
            parent!.AsObject()[(string)at[^1]] = marker;
        var text = Encoding.UTF8.GetBytes(copy.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        var markerBytes = Encoding.UTF8.GetBytes(Marker);
        var where = text.AsSpan().IndexOf(markerBytes);
        return [.. text[..where], .. raw, .. text[(where + markerBytes.Length)..]];
    }
}
