using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
            var cutSilo = (await api.Silos())!.Single(s => s.Host == hosts.SiloAddress(1)).Address;
            await using var products = await ProductWriters.Start(api, 8, "p");

            var cutAt = DateTime.UtcNow;
            await hosts.Fault("silo1", "cut");
            await Await.Until(api.Silos, silos => silos?.All(s => s.Address != cutSilo) == true, TimeSpan.FromSeconds(30),
                "the silo cut off to be declared dead");
            await products.AwaitAcknowledgedSince(cutAt, "every product written again while the host is cut off");

            var healedAt = DateTime.UtcNow;
            await hosts.Heal("silo1");
            // It learns from the membership table that it was declared dead, stops itself, and its supervisor
            // starts it again: a new generation on the same host, with no operator.
            var rejoined = await Await.Until(api.Silos,
                silos => silos?.Any(s => s.Host == hosts.SiloAddress(1) && s.Address != cutSilo && s.Status == "Active") == true,
                TimeSpan.FromSeconds(90), "the silo of the healed host to come back as a new silo");
            Assert.Equal(2, rejoined!.Count(s => s.Status == "Active"));
            await products.AwaitAcknowledgedSince(healedAt, "every product written after the host came back");
            await products.StopAndCheckNothingAcknowledgedWasLost();
        }
        finally
        {
            // Whatever happened, the layout goes on healed for the collection's other tests.
            await hosts.Heal("silo1");
        }
    }

    [Fact]
    public async Task A_silo_host_on_a_slow_lossy_cable_stays_in_the_cluster_and_its_products_are_still_written()
    {
        try
        {
            using var api = new HostsApi(hosts.Api);
            var members = (await api.Silos())!;
            Assert.Equal(2, members.Count(s => s.Status == "Active"));
            await using var products = await ProductWriters.Start(api, 6, "s");

            var slowSince = DateTime.UtcNow;
            await hosts.Fault("silo2", "slow", "100ms", "20ms", "5%");
            // The cable really is slow: a TCP handshake with that host takes a round trip, 2 x 100 ms ± 20 ms each
            // way, against well under a millisecond with the other silo's host.
            var gateway = 30000 + hosts.Offset;
            Assert.InRange(await MedianHandshakeMs(hosts.SiloAddress(2), gateway), 150, 400);
            Assert.InRange(await MedianHandshakeMs(hosts.SiloAddress(1), gateway), 0, 50);

            // Failure detection must tell a slow silo from a dead one: over the window, both silos stay members
            // with the generation they had (a silo declared dead comes back as a new generation).
            var changes = new List<string>();
            await Await.Until(async () =>
            {
                var silos = await api.Silos();
                if (silos is not null && !silos.SequenceEqual(members))
                    changes.Add(string.Join(", ", silos));
                return DateTime.UtcNow - slowSince > ObservedFor && products.AllAcknowledgedSince(slowSince);
            }, done => done, ObservedFor + TimeSpan.FromSeconds(60), "every product acknowledged over the slow cable");
            Assert.Empty(changes);

            await hosts.Heal("silo2");
            Assert.InRange(await MedianHandshakeMs(hosts.SiloAddress(2), gateway), 0, 50);
            await products.StopAndCheckNothingAcknowledgedWasLost();
        }
        finally
        {
            await hosts.Heal("silo2");
        }
    }

    /// <summary>How long the slow cable is watched for evictions: several times what failure detection takes to
    /// declare an unreachable silo dead (about 2 s here), short enough for the suite.</summary>
    static readonly TimeSpan ObservedFor = TimeSpan.FromSeconds(10);

    /// <summary>The median time of ten TCP handshakes with that address: one round trip each (a lost SYN, sent
    /// again after a second, moves a single sample, not the median).</summary>
    static async Task<double> MedianHandshakeMs(string address, int port)
    {
        var samples = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var started = Stopwatch.GetTimestamp();
            await socket.ConnectAsync(IPAddress.Parse(address), port);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        samples.Sort();
        return (samples[4] + samples[5]) / 2;
    }
}
