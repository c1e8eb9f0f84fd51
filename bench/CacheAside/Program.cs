// GET /api/products/{id} with Redis cache-aside: Redis first; on a miss, Postgres, then Redis (with a TTL).
// The cached value is "version\njson" as bytes, written to the response as is: one Redis round trip and no
// re-serialisation per hit, which is the best case of the pattern.
using System.Text;
using Npgsql;
using StackExchange.Redis;

var builder = ServiceDefaults.CreateBuilder(args);
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.")));
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(builder.Configuration.GetConnectionString("Redis")
    ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set.")));
var app = builder.Build();
app.UseDefaults();
// Connect before the first request: a burst of first requests must not all wait on a lazy connect.
app.Services.GetRequiredService<IConnectionMultiplexer>();
await using (var warm = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync()) { }
var ttl = TimeSpan.FromMinutes(10);

app.MapGet("/health/live", () => Results.Ok());
app.MapGet("/api/products/{id}", async (string id, HttpContext http, NpgsqlDataSource database, IConnectionMultiplexer redis) =>
{
    var cache = redis.GetDatabase();
    var key = "product:" + id;
    byte[]? entry = await cache.StringGetAsync(key);
    if (entry is null)
    {
        await using var command = database.CreateCommand("SELECT version, doc FROM bench_product WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return Results.Problem(statusCode: 404, title: "There is no such product.");
        entry = Encoding.UTF8.GetBytes(reader.GetInt64(0) + "\n" + reader.GetString(1));
        await cache.StringSetAsync(key, entry, ttl);
    }
    var newline = Array.IndexOf(entry, (byte)'\n');
    http.Response.Headers.ETag = $"\"{Encoding.ASCII.GetString(entry, 0, newline)}\"";
    return Results.Bytes(entry.AsMemory(newline + 1), "application/json");
});
app.Run();
