using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansScale.Api.Hosting;

/// <summary>Reads a JSON number into a decimal only when the decimal holds it exactly. System.Text.Json
/// rounds what does not fit: <c>1e-400</c> became 0 and was stored as a price of 0, and a 30-digit amount
/// loses its last digits. A number with more significant digits than a decimal keeps (28), or a nonzero
/// digit further than 28 places after the point, is refused: the request answers 400 naming the field
/// (a <see cref="JsonException"/> carries its path to <see cref="ApiExceptionHandler"/>).</summary>
sealed class ExactDecimalConverter : JsonConverter<decimal>
{
    const int MaxSignificantDigits = 28;
    const int MaxScale = 28;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var value))
            throw new JsonException("Not a number, or too large for a decimal.");
        if (!IsExact(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan))
            throw new JsonException("The number has more digits than a decimal holds exactly.");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);

    /// <summary>Whether the JSON number's digits fit a decimal: at most 28 significant digits, the last
    /// nonzero one at most 28 places after the point.</summary>
    internal static bool IsExact(ReadOnlySpan<byte> number)
    {
        var exponentAt = number.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = exponentAt < 0 ? number : number[..exponentAt];
        var exponent = 0L;
        if (exponentAt >= 0 && !long.TryParse(number[(exponentAt + 1)..], System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out exponent))
            return false; // an exponent beyond any range
        // Positions (in digits) of the first and last nonzero digit, and how many digits stand after the point.
        int digits = 0, afterPoint = 0, first = -1, last = -1;
        var seenPoint = false;
        foreach (var c in mantissa)
        {
            if (c == '.')
            {
                seenPoint = true;
                continue;
            }
            if (c is < (byte)'0' or > (byte)'9')
                continue; // the sign
            if (c != '0')
            {
                if (first < 0)
                    first = digits;
                last = digits;
            }
            digits++;
            if (seenPoint)
                afterPoint++;
        }
        if (first < 0)
            return true; // zero, however written
        var significant = last - first + 1;
        // Places after the point of the last nonzero digit.
        var scale = (long)afterPoint - (digits - 1 - last) - exponent;
        return significant <= MaxSignificantDigits && scale <= MaxScale;
    }
}
