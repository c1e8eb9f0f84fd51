using System.ComponentModel.DataAnnotations;

namespace OrleansScale.Api.Hosting;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest request body accepted; larger ones answer 413 and reach no grain.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}
