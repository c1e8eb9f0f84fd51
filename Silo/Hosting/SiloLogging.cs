using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansScale.Silo.Hosting;

static class SiloLogging
{
    /// <summary>One line per event with a UTC timestamp, so the logs of several silos can be merged by time.</summary>
    public static IHostApplicationBuilder AddSiloLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        return builder;
    }
}
