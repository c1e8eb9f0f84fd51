using Microsoft.Extensions.Hosting;
using OrleansScale.Silo.Hosting;
using OrleansScale.Silo.Queue;
using OrleansScale.Silo.Schema;

namespace OrleansScale.Silo;

static class Program
{
    static async Task<int> Main(string[] args)
    {
        if (MigrateCommand.IsRequested(args))
            return await MigrateCommand.Run(args);
        if (DeadLetterCommand.IsRequested(args))
            return await DeadLetterCommand.Run(args);
        if (WaitForSchemaCommand.IsRequested(args))
            return await WaitForSchemaCommand.Run(args);

        var builder = Host.CreateApplicationBuilder(args);
        builder.AddSiloLogging();
        builder.UseOrleans(silo => silo
            .UseConfiguredEndpoints(builder.Configuration)
            .AddOrleansScale(builder.Configuration)
            .UseKubernetesHostingInPods(builder.Configuration));

        await builder.Build().RunAsync();
        return 0;
    }
}
