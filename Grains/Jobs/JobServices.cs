using Microsoft.Extensions.DependencyInjection;

namespace OrleansScale.Jobs;

public static class JobServices
{
    /// <summary>The job options and the handler of every job kind this silo runs.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddKeyedTransient<IJobHandler, UserExportJob>(JobKinds.UserExport);
        return services;
    }
}
