using Microsoft.Playwright;

namespace OrleansScale.Tests.Browser;

/// <summary>Full-page screenshots of what the browser tests looked at, for a person to check by eye: in the
/// "screenshots" folder of the test results folder that deploy/test.sh names (ORLEANSSCALE_TEST_RESULTS,
/// .data/test-results), or of the test output folder when the tests are run otherwise.</summary>
public static class Screenshots
{
    public const string ResultsSetting = "ORLEANSSCALE_TEST_RESULTS";

    public static string Folder => Path.Combine(
        Environment.GetEnvironmentVariable(ResultsSetting) is { Length: > 0 } results ? results : AppContext.BaseDirectory,
        "screenshots");

    /// <summary>Saves the page as NAME.png and returns the file's path.</summary>
    public static async Task<string> Save(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
