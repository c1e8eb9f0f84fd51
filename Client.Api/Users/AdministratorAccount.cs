using Microsoft.Extensions.Options;
using OrleansScale.Users;

namespace OrleansScale.Api.Users;

public sealed class AdminOptions
{
    public const string Section = "Admin";
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string DisplayName { get; set; } = "Administrator";
}

/// <summary>Makes sure the configured administrator exists (Admin:UserName, Admin:Password) before the
/// API starts serving. Every API process does it; the name's grain makes it one idempotent decision.</summary>
sealed partial class AdministratorAccount(IGrainFactory grains, IOptions<AdminOptions> options, ILogger<AdministratorAccount> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value;
        if (string.IsNullOrEmpty(admin.UserName) || string.IsNullOrEmpty(admin.Password))
        {
            LogNoAdministrator();
            return;
        }
        if (admin.Password.Length < 8)
            throw new InvalidOperationException("Admin:Password must be at least 8 characters.");

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grains.For(admin.UserName).EnsureAdministrator(admin.DisplayName, admin.Password);
                return;
            }
            catch (Exception e) when (attempt < 30 && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No administrator configured (Admin:UserName, Admin:Password): nobody can write the catalog")]
    partial void LogNoAdministrator();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ensuring the administrator account failed (attempt {Attempt}), retrying: {Reason}")]
    partial void LogRetrying(int attempt, string reason);
}

public static class AdministratorAccountSetup
{
    public static WebApplicationBuilder AddAdministratorAccount(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.Services.AddHostedService<AdministratorAccount>();
        return builder;
    }
}
