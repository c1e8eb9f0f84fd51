using Microsoft.Playwright;
using Orleans.TestingHost;
using OrleansScale.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace OrleansScale.Tests.Browser;

/// <summary>The Orleans Dashboard as a person sees it, in Chromium: its silo page (#/silos), rendered by its
/// script from the cluster's counters. The selectors are the dashboard's own markup (Microsoft.Orleans.Dashboard
/// 10.4.2): a "Silo Health" card whose table has a row per silo, linked as #/host/ADDRESS, with the silo's name,
/// status, and "N activations".</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardPageTests(BrowserFixture fixture)
{
    static readonly TimeSpan CountersTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Dashboard_lists_every_silo_with_its_activations()
    {
        await using var context = await fixture.NewContext();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(SilosPage(fixture.LocalAddress));

        try
        {
            Assert.Equal(200, response!.Status);
            await Expect(SiloRows(page)).ToHaveCountAsync(fixture.Cluster.Silos.Count);
            foreach (var silo in fixture.Cluster.Silos)
            {
                var row = SiloRow(page, silo);
                await Expect(row).ToContainTextAsync(silo.Name);
                await Expect(row).ToContainTextAsync("Active");
            }
            await Expect(ActiveSilosCounter(page)).ToHaveTextAsync(fixture.Cluster.Silos.Count.ToString());
            await Await.Until(() => ActivationsShown(page), total => total > 0, CountersTimeout,
                "the dashboard to show a nonzero activation count");
        }
        finally
        {
            await Screenshots.Save(page, "dashboard-silos");
        }
    }

    /// <summary>Through the server that lets no caller in for being on its machine: what an anonymous caller from
    /// another machine meets on a server as deployed.</summary>
    [Fact]
    public async Task Dashboard_is_closed_to_an_anonymous_remote_caller_and_open_to_an_administrator()
    {
        await using var context = await fixture.NewContext();
        var page = await context.NewPageAsync();

        var anonymous = await page.GotoAsync(SilosPage(fixture.AdministratorsOnlyAddress));
        await Screenshots.Save(page, "dashboard-remote-anonymous");

        Assert.Equal(401, anonymous!.Status);
        Assert.Equal(0, await SiloRows(page).CountAsync());
        var counters = await context.APIRequest.GetAsync(new Uri(fixture.AdministratorsOnlyAddress, "/dashboard/DashboardCounters").ToString());
        Assert.Equal(401, counters.Status);

        // Signing in through the API sets the session cookie in this browser, as a sign-in form would.
        var signIn = await context.APIRequest.PostAsync(new Uri(fixture.AdministratorsOnlyAddress, "/api/sessions").ToString(),
            new APIRequestContextOptions { DataObject = new { userName = ClusterFixture.AdminUserName, password = ClusterFixture.AdminPassword } });
        Assert.Equal(201, signIn.Status);
        var administrator = await page.ReloadAsync();
        try
        {
            Assert.Equal(200, administrator!.Status);
            await Expect(SiloRows(page)).ToHaveCountAsync(fixture.Cluster.Silos.Count);
        }
        finally
        {
            await Screenshots.Save(page, "dashboard-remote-administrator");
        }
    }

    static string SilosPage(Uri api) => new Uri(api, "/dashboard/#/silos").ToString();

    static ILocator SiloHealth(IPage page) =>
        page.Locator(".card").Filter(new LocatorFilterOptions { Has = page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Silo Health" }) });

    static ILocator SiloRows(IPage page) => SiloHealth(page).Locator("tbody > tr");

    static ILocator SiloRow(IPage page, SiloHandle silo) => SiloRows(page).Filter(new LocatorFilterOptions
    {
        Has = page.Locator($"a[href='#/host/{silo.SiloAddress.ToParsableString()}']"),
    });

    static ILocator ActiveSilosCounter(IPage page) =>
        page.Locator(".info-box-content").Filter(new LocatorFilterOptions { HasText = "Active Silos" }).Locator(".info-box-number");

    /// <summary>The activations of all silos as the silo table shows them; the dashboard refreshes them every second.</summary>
    static async Task<int> ActivationsShown(IPage page)
    {
        var counts = await SiloRows(page).Locator("strong").AllInnerTextsAsync();
        return counts.Sum(int.Parse);
    }
}
