using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace OrleansScale;

/// <summary>Lets grain calls carry the database driver's exceptions to their callers.</summary>
public static class DatabaseExceptions
{
    /// <summary>Orleans serializes exceptions only from namespaces it is told to (by default "System",
    /// "Microsoft", "Azure"). A grain whose storage failed throws Orleans' storage exception around the
    /// driver's <c>NpgsqlException</c>; unlisted, that inner exception made the answer itself fail to
    /// serialize, and the caller got a codec error instead of a storage failure it can recognise (the API
    /// answers 503 for one, 500 for the other). Register it on silos and clients alike.</summary>
    public static IServiceCollection AddDatabaseExceptionSerialization(this IServiceCollection services) =>
        services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
}
