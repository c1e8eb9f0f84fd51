using System.Net;
using Microsoft.Playwright;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Browser;

/// <summary>The browser tests' cluster (<see cref="ClusterFixture"/>: two silos, the in-memory APIs A and B),
/// one more API process served by Kestrel on real TCP ports, and one Chromium, shared by the browser test
/// classes so that each pays for neither a cluster nor a browser of its own. Two API processes on loopback sockets:
/// one as deployed (<see cref="LocalAddress"/>: a caller on this machine, let into the dashboard), and one with
/// <c>Dashboard:AllowLoopback=false</c> (<see cref="AdministratorsOnlyAddress"/>), to which every caller is what a
/// caller from another machine is to the first: the test traffic stays on loopback.</summary>
public sealed class BrowserFixture : ClusterFixture
{
    ApiFactory? apiOnSockets;
    ApiFactory? administratorsOnly;
    Chromium? chromium;

    protected override bool Dashboard => true;

    public Uri LocalAddress { get; private set; } = null!;
    public Uri AdministratorsOnlyAddress { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (apiOnSockets, LocalAddress) = NewApiOnSockets(IPAddress.Loopback);
        (administratorsOnly, AdministratorsOnlyAddress) = NewApiOnSockets(IPAddress.Loopback, ("Dashboard:AllowLoopback", "false"));
        chromium = await Chromium.Launch();
        // Playwright's assertions wait 5 s by default; on two cores that also run the cluster, loading the
        // dashboard's script and its first counters can take longer than that.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>A browser context of its own (cookies, storage) for one test; the test disposes it.</summary>
    public Task<IBrowserContext> NewContext() =>
        chromium!.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ColorScheme = ColorScheme.Light,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });

    public override async Task DisposeAsync()
    {
        // Null when the start failed part-way (no Chromium, say): what did start is still stopped.
        if (chromium is not null)
            await chromium.DisposeAsync();
        if (apiOnSockets is not null)
            await apiOnSockets.DisposeAsync();
        if (administratorsOnly is not null)
            await administratorsOnly.DisposeAsync();
        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
