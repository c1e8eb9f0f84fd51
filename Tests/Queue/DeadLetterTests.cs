using System.Text.Json;
using Microsoft.Extensions.Configuration;
using OrleansScale.Products;
using OrleansScale.Silo.Queue;
using OrleansScale.Tests.Catalog;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Queue;

/// <summary>A queue that gives up on a message after two failed deliveries, 5.5 to 8.25 s apart, so a message that
/// cannot succeed is a dead letter within seconds: the shortest budget the queue's validator allows (consumers give
/// up after 0.5 s, grain calls after 5.5 s, the retry waits as long), which the failing catalog projection of these
/// tests, failing at once, does not come near; feeds write within 100 ms, to fit the consumers' deadline.</summary>
public sealed class DeadLetterFixture : ClusterFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        QueueProbe.ShortTimeouts.Concat([
            new("Queue:ConsumerTimeout", "00:00:00.500"),
            new("Orleans:GrainCallTimeout", "00:00:05.500"),
            new("Queue:RetryDelay", "00:00:05.500"),
            new("Activities:FeedFlushInterval", "00:00:00.100"),
            new("Queue:MaxAttempts", "2"),
        ]);
}

public sealed class DeadLetterTests(DeadLetterFixture fixture) : IClassFixture<DeadLetterFixture>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    static readonly TimeSpan Expiry = TimeSpan.FromHours(1);

    string ServiceId => fixture.Cluster.Options.ServiceId;

    [Fact]
    public async Task A_message_that_fails_all_its_attempts_is_listed_with_its_stream_event_reason_and_times()
    {
        await using var deadLetters = new DeadLetters(fixture.Database.ConnectionString, ServiceId);
        var product = await CreateProductWhoseProjectionFails(deadLetters);

        var dead = Assert.Single(await deadLetters.List(), d => d.StreamKey == product);
        Assert.Null(dead.Undecodable);
        Assert.Equal(ProductChanges.Namespace, dead.StreamNamespace);
        Assert.Equal([nameof(ProductChanged)], dead.EventTypes);
        Assert.Equal("failed", dead.Reason);
        Assert.Equal(2, dead.Attempts);
        Assert.StartsWith("queue-", dead.Queue);
        // Two attempts at least one retry delay (5.5 s) apart, then kept for Queue:DeadLetterRetention (14 days).
        Assert.InRange(dead.DiedAt - dead.QueuedAt, TimeSpan.FromSeconds(5.5), Patience);
        Assert.InRange(dead.RemovedAt - dead.DiedAt, TimeSpan.FromDays(13), TimeSpan.FromDays(15));
    }

    [Fact]
    public async Task A_dead_letter_is_replayed_once_and_takes_effect()
    {
        await using var deadLetters = new DeadLetters(fixture.Database.ConnectionString, ServiceId);
        var product = await CreateProductWhoseProjectionFails(deadLetters);
        var dead = Assert.Single(await deadLetters.List(), d => d.StreamKey == product);
        Assert.Equal(0, await CatalogRows(product));

        var first = await deadLetters.Replay([dead.Id], Expiry);

        Assert.Equal([dead.Id], first.Queued.Select(d => d.Id));
        Assert.Empty(first.NotFound);
        await fixture.Database.AwaitRow(product, 1);
        await QueueProbe.AwaitEmpty(fixture.Database, Patience, "the replayed product change");

        var second = await deadLetters.Replay([dead.Id], Expiry);

        Assert.Empty(second.Queued);
        Assert.Equal([dead.Id], second.NotFound);
        Assert.Equal(0, await QueueProbe.Queued(fixture.Database));
        Assert.DoesNotContain(await deadLetters.List(), d => d.Id == dead.Id);
    }

    [Fact]
    public async Task The_command_lists_dead_letters_as_text_and_json_and_replays_all_of_them_once()
    {
        await using var deadLetters = new DeadLetters(fixture.Database.ConnectionString, ServiceId);
        var product = await CreateProductWhoseProjectionFails(deadLetters);

        var json = await Command(ServiceId, "list", "--json");
        Assert.Equal(0, json.Code);
        var listing = JsonDocument.Parse(json.Output).RootElement;
        var entry = listing.GetProperty("deadLetters").EnumerateArray().Single(d => d.GetProperty("streamKey").GetString() == product);
        Assert.Equal(ProductChanges.Namespace, entry.GetProperty("streamNamespace").GetString());
        Assert.Equal(nameof(ProductChanged), Assert.Single(entry.GetProperty("eventTypes").EnumerateArray()).GetString());
        Assert.Equal("failed", entry.GetProperty("reason").GetString());
        Assert.Equal(2, entry.GetProperty("attempts").GetInt32());
        var total = listing.GetProperty("total").GetInt32();
        Assert.Equal(total, listing.GetProperty("deadLetters").GetArrayLength());
        Assert.Equal(total, listing.GetProperty("byReason").EnumerateObject().Sum(r => r.Value.GetInt32()));
        var id = entry.GetProperty("id").GetInt64();

        var text = await Command(ServiceId, "list");
        Assert.Equal(0, text.Code);
        Assert.Contains(text.Output.Split('\n'), line => line.StartsWith($"{id} ", StringComparison.Ordinal)
            && line.Contains($" {ProductChanges.Namespace}/{product} ") && line.Contains($" {nameof(ProductChanged)} ") && line.Contains(" failed "));
        Assert.Contains($"{total} dead letter{(total == 1 ? "" : "s")}: ", text.Output);

        var replay = await Command(ServiceId, "replay", "--all");
        Assert.Equal(0, replay.Code);
        Assert.Contains(replay.Output.Split('\n'), line => line.StartsWith($"{id} ", StringComparison.Ordinal));
        Assert.Contains($"{total} message{(total == 1 ? "" : "s")} queued again.", replay.Output);
        await fixture.Database.AwaitRow(product, 1);

        var again = await Command(ServiceId, "replay", "--all");
        Assert.Equal(0, again.Code);
        Assert.Contains("Nothing queued: there are no dead letters.", again.Output);
        var named = await Command(ServiceId, "replay", id.ToString());
        Assert.Equal(0, named.Code);
        Assert.Contains($"Not dead letters (already replayed, removed after Queue:DeadLetterRetention, or never dead): {id}.", named.Output);
        Assert.Contains("Nothing queued.", named.Output);
    }

    [Fact]
    public async Task An_undecodable_dead_letter_is_listed_with_the_reason_and_never_replayed()
    {
        // A service of its own, so the cluster's silos never see this payload.
        var service = $"undecodable-{Guid.NewGuid():N}";
        await fixture.Database.Execute($"""
            INSERT INTO orleans_stream_dead_letter (service_id, provider_id, queue_id, message_id, dequeued, visible_on,
                expires_on, created_on, modified_on, dead_on, remove_on, payload, reason)
            VALUES ('{service}', '{StreamProviders.Queue}', 'queue-0', 7, 0, now(), now(), now(), now(), now(),
                now() + interval '1 day', '\x0badc0ffee'::bytea, 'expired')
            """);
        await using var deadLetters = new DeadLetters(fixture.Database.ConnectionString, service);

        var dead = Assert.Single(await deadLetters.List());
        Assert.NotNull(dead.Undecodable);
        Assert.Null(dead.StreamNamespace);
        Assert.Empty(dead.EventTypes);
        Assert.Equal("expired", dead.Reason);

        var text = await Command(service, "list");
        Assert.Equal(0, text.Code);
        Assert.Contains($"(undecodable: {dead.Undecodable})", text.Output);
        Assert.Contains("1 dead letter: 1 expired", text.Output);

        var replay = await Command(service, "replay", "7");
        Assert.Equal(1, replay.Code);
        Assert.Contains("Not replayed: 7 cannot be read", replay.Output);
        Assert.Equal([7L], (await deadLetters.List()).Select(d => d.Id));
        Assert.Equal(0, await fixture.Database.Scalar<long>($"SELECT count(*) FROM orleans_stream_message WHERE service_id = '{service}'"));
    }

    [Theory]
    [InlineData("", "say list or replay")]
    [InlineData("replay", "replay needs --all or the ids")]
    [InlineData("replay --all 12", "either --all or ids, not both")]
    [InlineData("replay 12 twelve", "not a dead letter id: twelve")]
    [InlineData("list 12", "list takes no 12")]
    [InlineData("purge", "unknown command purge")]
    public async Task Wrong_arguments_exit_with_code_2_and_say_what_is_wrong(string arguments, string message)
    {
        var result = await Command(ServiceId, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Error);
        Assert.Empty(result.Output);
    }

    /// <summary>Creates a product while the catalog read table is away, so its change fails every delivery to the
    /// catalog projection, and returns its id once the change is a dead letter (the table is back by then).</summary>
    async Task<string> CreateProductWhoseProjectionFails(DeadLetters deadLetters)
    {
        var product = $"dead-{Guid.NewGuid():N}";
        await fixture.Database.Execute("ALTER TABLE catalog_product RENAME TO catalog_product_away");
        try
        {
            Assert.NotNull(await fixture.Cluster.Client.GetGrain<IProductGrain>(product)
                .Create(new ProductDetails("Never listed", "d", "books", [new Price("USD", 1m)], [])));
            await Await.Until(() => deadLetters.List(), list => list.Any(d => d.StreamKey == product), Patience,
                $"the change of product {product} among the dead letters");
        }
        finally
        {
            await fixture.Database.Execute("ALTER TABLE catalog_product_away RENAME TO catalog_product");
        }
        return product;
    }

    Task<long> CatalogRows(string product) =>
        fixture.Database.Scalar<long>($"SELECT count(*) FROM catalog_product WHERE id = '{product}'");

    async Task<(int Code, string Output, string Error)> Command(string serviceId, params string[] arguments)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = fixture.Database.ConnectionString,
            ["Orleans:ServiceId"] = serviceId,
        }).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await DeadLetterCommand.Run([DeadLetterCommand.Name, .. arguments], configuration, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
