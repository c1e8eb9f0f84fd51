namespace OrleansScale.Tests.Hosts;

/// <summary>One four-host layout (the database, the API, two silos) for the classes of the hosts collection: bringing
/// one up and down costs about 20 s. Brought down at the end, and checked to leave nothing behind.</summary>
public sealed class HostsLayoutFixture : IAsyncLifetime
{
    public HostsScript Hosts { get; } = new();

    public Task InitializeAsync() => Hosts.UpAfresh(4);

    public Task DisposeAsync() => Hosts.DownLeavingNothing();
}

[CollectionDefinition(Name)]
public sealed class HostsCollection : ICollectionFixture<HostsLayoutFixture>
{
    public const string Name = "hosts layout";
}
