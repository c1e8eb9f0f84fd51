using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Hosts;

/// <summary>Products of their own, each written over and over by a <see cref="ProductWriter"/> until disposed,
/// and the check that a fault lost nothing that was acknowledged.</summary>
sealed class ProductWriters : IAsyncDisposable
{
    readonly HostsApi api;
    readonly CancellationTokenSource stop = new();
    readonly List<Task> writing;
    readonly IReadOnlyList<ProductWriter> writers;

    ProductWriters(HostsApi api, IReadOnlyList<ProductWriter> writers)
    {
        this.api = api;
        this.writers = writers;
        writing = [.. writers.Select(w => w.Run(stop.Token))];
    }

    /// <summary>Creates that many products and writes them until every one has a first acknowledged write.</summary>
    public static async Task<ProductWriters> Start(HostsApi api, int products, string prefix)
    {
        var admin = await api.SignInAsAdministrator();
        var writers = new List<ProductWriter>();
        for (var i = 0; i < products; i++)
            writers.Add(new ProductWriter(api, admin.Token, await api.CreateProduct(admin.Token, $"{prefix}{i}")));
        var started = new ProductWriters(api, writers);
        await started.AwaitAcknowledgedSince(DateTime.MinValue, "a first acknowledged write of every product");
        return started;
    }

    public bool AllAcknowledgedSince(DateTime time) => writers.All(w => w.AcknowledgedSince(time));

    public Task AwaitAcknowledgedSince(DateTime time, string what) =>
        Await.Until(() => Task.FromResult(AllAcknowledgedSince(time)), all => all, TimeSpan.FromSeconds(30), what);

    /// <summary>Stops writing, then checks every product: only acknowledgements, refusals (503) and requests
    /// without an answer, never another error or a 404; one activation at a time acknowledged (every acknowledged
    /// version above the one before it); and the product now shows its last acknowledged write or a later one.</summary>
    public async Task StopAndCheckNothingAcknowledgedWasLost()
    {
        await stop.CancelAsync();
        await Task.WhenAll(writing);
        foreach (var writer in writers)
        {
            var attempts = writer.Attempts;
            Assert.All(attempts, a => Assert.True(a.Status is null or HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"{writer.ProductId} {a.Name}: {a.Status}"));
            var versions = attempts.Where(a => a.Acknowledged).Select(a => a.Version!.Value).ToList();
            Assert.Equal(versions.Order(), versions);
            Assert.Equal(versions.Count, versions.Distinct().Count());
            var stored = await api.Http.GetFromJsonAsync<JsonElement>($"/api/products/{writer.ProductId}");
            Assert.Contains(stored.GetProperty("name").GetString()!, writer.PossibleNames());
            Assert.True(stored.GetProperty("version").GetInt64() >= versions[^1], $"{writer.ProductId} went back to an older version");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(writing);
        stop.Dispose();
    }
}
