using System.Globalization;
using System.Text.Json;

namespace OrleansScale.Tests.Api;

/// <summary>Checks a JSON value against a schema of the served document, for the part of JSON Schema the
/// document uses: $ref, type (with "null" for nullability), oneOf, properties, required, additionalProperties,
/// items, enum, format, and the length and range bounds. An object may not carry a property its schema does
/// not declare (the document would then hide part of the answer), except problem details, whose extension
/// members (traceId) RFC 9457 allows.</summary>
public sealed class SchemaChecker(OpenApiDocumentView document)
{
    /// <summary>What is wrong with the value, one line each with its JSON path; empty when it conforms.</summary>
    public List<string> Check(JsonElement value, JsonElement schema)
    {
        var errors = new List<string>();
        Check(value, schema, "$", errors, allowExtra: false);
        return errors;
    }

    void Check(JsonElement value, JsonElement schema, string path, List<string> errors, bool allowExtra)
    {
        if (schema.TryGetProperty("$ref", out var reference))
            allowExtra = reference.GetString()!.Contains("ProblemDetails", StringComparison.Ordinal);
        schema = document.Resolve(schema);
        if (schema.ValueKind != JsonValueKind.Object)
            return;

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matches = oneOf.EnumerateArray().Count(option =>
            {
                var optionErrors = new List<string>();
                Check(value, option, path, optionErrors, allowExtra);
                return optionErrors.Count == 0;
            });
            if (matches != 1)
                errors.Add($"{path}: matches {matches} of the oneOf schemas: {value.GetRawText()}");
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            errors.Add($"{path}: {value.ValueKind} {Short(value)} is not of type {type.GetRawText()}");
            return;
        }
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
            errors.Add($"{path}: {Short(value)} is not one of {values.GetRawText()}");

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, path, errors, allowExtra);
                break;
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items):
                var i = 0;
                foreach (var item in value.EnumerateArray())
                    Check(item, items, $"{path}[{i++}]", errors, allowExtra: false);
                break;
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, path, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(value, schema, path, errors);
                break;
        }
    }

    void CheckObject(JsonElement value, JsonElement schema, string path, List<string> errors, bool allowExtra)
    {
        var properties = schema.TryGetProperty("properties", out var declared) ? declared : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                    errors.Add($"{path}: required property '{name}' is missing");
            }
        }
        var additional = schema.TryGetProperty("additionalProperties", out var more) ? more : default;
        foreach (var property in value.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                Check(property.Value, propertySchema, at, errors, allowExtra: false);
            else if (additional.ValueKind == JsonValueKind.Object)
                Check(property.Value, additional, at, errors, allowExtra: false);
            else if (!allowExtra && additional.ValueKind != JsonValueKind.True)
                errors.Add($"{at}: the schema does not declare this property");
        }
    }

    static void CheckString(string text, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("maxLength", out var max) && text.Length > max.GetInt32())
            errors.Add($"{path}: longer than {max.GetInt32()}");
        if (schema.TryGetProperty("minLength", out var min) && text.Length < min.GetInt32())
            errors.Add($"{path}: shorter than {min.GetInt32()}");
        if (schema.TryGetProperty("format", out var format) && format.GetString() == "date-time"
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
            errors.Add($"{path}: '{text}' is not a date-time");
    }

    static void CheckNumber(JsonElement value, JsonElement schema, string path, List<string> errors)
    {
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (format == "int32" && !value.TryGetInt32(out _) || format == "int64" && !value.TryGetInt64(out _))
            errors.Add($"{path}: {value.GetRawText()} is not an {format}");
        if (format == "decimal" && !value.TryGetDecimal(out _))
            errors.Add($"{path}: {value.GetRawText()} is not a decimal");
        var number = value.GetDouble();
        if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
            errors.Add($"{path}: {number} is below {min.GetDouble()}");
        if (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
            errors.Add($"{path}: {number} is above {max.GetDouble()}");
    }

    static bool TypeMatches(JsonElement value, JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => TypeMatches(value, t.GetString()!))
        : TypeMatches(value, type.GetString()!);

    static bool TypeMatches(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        _ => throw new InvalidOperationException($"The document uses type '{type}', which this checker does not know."),
    };

    static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 80 ? text : text[..80] + "…";
    }
}
