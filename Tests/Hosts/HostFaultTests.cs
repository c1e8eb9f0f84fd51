using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Hosts;

/// <summary>Network faults between the hosts of deploy/hosts.sh, under writes.</summary>
[Collection(HostsCollection.Name)]
public sealed class HostFaultTests(HostsLayoutFixture layout)
{
    readonly HostsScript hosts = layout.Hosts;

    [Fact]
    public async Task A_silo_host_cut_off_under_writes_is_declared_dead_comes_back_by_itself_and_loses_no_acknowledged_write()
    {
        try
        {
            using var api = new HostsApi(hosts.Api);
            var admin = await api.SignInAsAdministrator();
            var products = new List<string>();
            for (var i = 0; i < 8; i++)
                products.Add(await api.CreateProduct(admin.Token, $"p{i}"));
            var cutSilo = (await api.Silos())!.Single(s => s.Host == hosts.SiloAddress(1)).Address;

            using var stop = new CancellationTokenSource();
            var writers = products.Select(id => new ProductWriter(api, admin.Token, id)).ToList();
            var writing = writers.Select(w => w.Run(stop.Token)).ToList();
            await Await.Until(() => Task.FromResult(writers.All(w => w.AcknowledgedSince(DateTime.MinValue))), all => all,
                TimeSpan.FromSeconds(30), "a first acknowledged write of every product");

            var cutAt = DateTime.UtcNow;
            await hosts.Fault("silo1", "cut");
            await Await.Until(api.Silos, silos => silos?.All(s => s.Address != cutSilo) == true, TimeSpan.FromSeconds(30),
                "the silo cut off to be declared dead");
            await Await.Until(() => Task.FromResult(writers.All(w => w.AcknowledgedSince(cutAt))), all => all,
                TimeSpan.FromSeconds(30), "every product written again while the host is cut off");

            var healedAt = DateTime.UtcNow;
            await hosts.Heal("silo1");
            // It learns from the membership table that it was declared dead, stops itself, and its supervisor
            // starts it again: a new generation on the same host, with no operator.
            var rejoined = await Await.Until(api.Silos,
                silos => silos?.Any(s => s.Host == hosts.SiloAddress(1) && s.Address != cutSilo && s.Status == "Active") == true,
                TimeSpan.FromSeconds(90), "the silo of the healed host to come back as a new silo");
            Assert.Equal(2, rejoined!.Count(s => s.Status == "Active"));
            await Await.Until(() => Task.FromResult(writers.All(w => w.AcknowledgedSince(healedAt))), all => all,
                TimeSpan.FromSeconds(30), "every product written after the host came back");
            stop.Cancel();
            await Task.WhenAll(writing);

            foreach (var writer in writers)
            {
                var attempts = writer.Attempts;
                // Only acknowledgements, refusals (503) and requests without an answer: no other error, no 404.
                Assert.All(attempts, a => Assert.True(a.Status is null or HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                    $"{writer.ProductId} {a.Name}: {a.Status}"));
                // One activation at a time acknowledges: every acknowledged version is above the one before it.
                var versions = attempts.Where(a => a.Acknowledged).Select(a => a.Version!.Value).ToList();
                Assert.Equal(versions.Order(), versions);
                Assert.Equal(versions.Count, versions.Distinct().Count());
                var stored = await api.Http.GetFromJsonAsync<JsonElement>($"/api/products/{writer.ProductId}");
                Assert.Contains(stored.GetProperty("name").GetString()!, writer.PossibleNames());
                Assert.True(stored.GetProperty("version").GetInt64() >= versions[^1], $"{writer.ProductId} went back to an older version");
            }
        }
        finally
        {
            // Whatever happened, the layout goes on healed for the collection's other tests.
            await hosts.Heal("silo1");
        }
    }
}
