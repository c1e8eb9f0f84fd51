using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansScale;
using OrleansScale.Silo.Hosting;
using OrleansScale.Silo.Schema;

// End-to-end throughput of the queue (Orleans ADO.NET streams on Postgres), configured exactly as the
// silos configure it: a silo in this process publishes N messages spread over S streams, C at a time,
// and an implicitly subscribed consumer grain counts them; the clock stops when the last one arrives.
//   dotnet run -c Release --project bench/QueueBench -- <connection string> <partitions> <messages> <streams> <concurrency>
// Each run uses a database of its own (created, with the schema, on the given server) and drops it after.
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: QueueBench <postgres connection string> <partitions> <messages> <streams> <concurrency>");
    return 2;
}
var (server, partitions, messages, streams, concurrency) =
    (args[0], int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]));

var database = $"bench_{Guid.NewGuid():N}"[..30];
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, MaxPoolSize = 200 }.ConnectionString;
var migrator = new SchemaMigrator(NullLogger<SchemaMigrator>.Instance);
await migrator.EnsureDatabase(connectionString);
await migrator.Apply(connectionString);

var offset = int.Parse(Environment.GetEnvironmentVariable("ORLEANSSCALE_PORT_OFFSET") ?? "0");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ConnectionStrings:Postgres"] = connectionString,
    ["Orleans:ClusterId"] = database,
    ["Orleans:ServiceId"] = database,
    ["Silo:SiloPort"] = (11190 + offset).ToString(),
    ["Silo:GatewayPort"] = (30190 + offset).ToString(),
    ["Queue:Partitions"] = partitions.ToString(),
    ["Rebalancer:Enabled"] = "false",
});
builder.UseOrleans(silo => silo.UseConfiguredEndpoints(builder.Configuration).AddOrleansScale(builder.Configuration));
using var host = builder.Build();
await host.StartAsync();

var client = host.Services.GetRequiredService<IClusterClient>();
var provider = client.GetStreamProvider(StreamProviders.Queue);
var targets = Enumerable.Range(0, streams)
    .Select(i => provider.GetStream<BenchMessage>(StreamId.Create(BenchConsumerGrain.Namespace, $"s{i}"))).ToArray();
BenchConsumerGrain.Expect(messages);

var clock = Stopwatch.StartNew();
var next = -1;
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    int n;
    while ((n = Interlocked.Increment(ref next)) < messages)
        await targets[n % streams].OnNextAsync(new BenchMessage(n));
}));
var published = clock.Elapsed;
var finished = await Task.WhenAny(BenchConsumerGrain.AllReceived, Task.Delay(TimeSpan.FromMinutes(5)));
var received = clock.Elapsed;
var complete = finished == BenchConsumerGrain.AllReceived;

Console.WriteLine(
    $"partitions={partitions} messages={messages} streams={streams} concurrency={concurrency} " +
    $"published_in={published.TotalSeconds:0.00}s publish_rate={messages / published.TotalSeconds:0}/s " +
    $"end_to_end={received.TotalSeconds:0.00}s throughput={BenchConsumerGrain.Received / received.TotalSeconds:0}/s " +
    $"received={BenchConsumerGrain.Received}{(complete ? "" : " INCOMPLETE")}");

await host.StopAsync();
NpgsqlConnection.ClearAllPools();
await using (var admin = new NpgsqlConnection(server))
{
    await admin.OpenAsync();
    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
    await drop.ExecuteNonQueryAsync();
}
return complete ? 0 : 1;

[GenerateSerializer, Immutable]
public sealed record BenchMessage([property: Id(0)] int Number);

/// <summary>Counts what arrives; one activation per stream.</summary>
[GrainType("bench-consumer")]
[ImplicitStreamSubscription(Namespace)]
public sealed class BenchConsumerGrain : Grain, IGrainWithStringKey, IStreamSubscriptionObserver, IAsyncObserver<BenchMessage>
{
    public const string Namespace = "bench";
    static int expected;
    static int received;
    static TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static int Received => Volatile.Read(ref received);
    public static Task AllReceived => done.Task;

    public static void Expect(int count) => expected = count;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<BenchMessage>().ResumeAsync(this);

    public Task OnNextAsync(BenchMessage item, StreamSequenceToken? token = null)
    {
        if (Interlocked.Increment(ref received) == expected)
            done.TrySetResult();
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;
    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
