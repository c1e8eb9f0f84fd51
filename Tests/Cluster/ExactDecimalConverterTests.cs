using System.Text;
using System.Text.Json;
using OrleansScale.Api.Hosting;

namespace OrleansScale.Tests.Cluster;

/// <summary>The API reads a JSON number into a decimal only when the decimal holds it exactly.</summary>
public sealed class ExactDecimalConverterTests
{
    static readonly JsonSerializerOptions Options = new() { Converters = { new ExactDecimalConverter() } };

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("0.00", "0")]
    [InlineData("1000000000", "1000000000")]
    [InlineData("19.99", "19.99")]
    [InlineData("1e2", "100")]
    [InlineData("1.5E+3", "1500")]
    [InlineData("25e-2", "0.25")]
    [InlineData("0e-400", "0")]
    [InlineData("1e-28", "0.0000000000000000000000000001")]
    [InlineData("1234567890123456789012345678", "1234567890123456789012345678")]
    public void A_number_a_decimal_holds_exactly_is_read(string json, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            JsonSerializer.Deserialize<decimal>(json, Options));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            JsonSerializer.Deserialize<decimal?>(json, Options));
    }

    [Theory]
    [InlineData("1e-400")]
    [InlineData("1e-29")]
    [InlineData("0.00000000000000000000000000001")]
    [InlineData("1.00000000000000000000000000001")]
    [InlineData("12345678901234567890123456789")]
    [InlineData("1e400")]
    [InlineData("1e99999999999999999999")]
    public void A_number_a_decimal_would_round_or_cannot_hold_is_refused(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<decimal>(json, Options));
        Assert.False(ExactDecimalConverter.IsExact(Encoding.ASCII.GetBytes(json))
            && decimal.TryParse(json, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));
    }
}
