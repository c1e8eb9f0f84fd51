using Microsoft.Playwright;

namespace OrleansScale.Tests.Browser;

/// <summary>A headless Chromium driven by Playwright. Playwright's own browser download cannot be reached from this
/// project's machines, so it never downloads one: it launches Debian's chromium, which deploy/test.sh installs
/// when it is missing, or the executable that ORLEANSSCALE_CHROMIUM names. Without a browser the tests fail, as
/// they do without PostgreSQL; they are never skipped.</summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string ExecutableSetting = "ORLEANSSCALE_CHROMIUM";
    const string DebianExecutable = "/usr/bin/chromium";

    readonly IPlaywright playwright;

    Chromium(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<Chromium> Launch()
    {
        var executable = Environment.GetEnvironmentVariable(ExecutableSetting) is { Length: > 0 } configured
            ? configured
            : DebianExecutable;
        if (!File.Exists(executable))
            throw new InvalidOperationException(
                $"No Chromium at {executable}. Run the tests with deploy/test.sh, which installs Debian's chromium package, " +
                $"or set {ExecutableSetting} to a Chromium executable.");

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                // Chromium's sandbox does not start as root, and CI runs the tests as root; the pages are our own.
                ChromiumSandbox = false,
            });
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
    }
}
