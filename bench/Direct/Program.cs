// GET /api/products/{id} from Postgres on every request: what a .NET team writes first. The document is
// stored as the JSON text the client gets, so the service pays one round trip and no re-serialisation.
using Npgsql;

var builder = ServiceDefaults.CreateBuilder(args);
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.")));
var app = builder.Build();
app.UseDefaults();
// Connect before the first request: a burst of first requests must not all wait on a lazy connect.
await using (var warm = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync()) { }

app.MapGet("/health/live", () => Results.Ok());
app.MapGet("/api/products/{id}", async (string id, HttpContext http, NpgsqlDataSource database) =>
{
    await using var command = database.CreateCommand("SELECT version, doc FROM bench_product WHERE id = $1");
    command.Parameters.Add(new NpgsqlParameter { Value = id });
    await using var reader = await command.ExecuteReaderAsync();
    if (!await reader.ReadAsync())
        return Results.Problem(statusCode: 404, title: "There is no such product.");
    http.Response.Headers.ETag = $"\"{reader.GetInt64(0)}\"";
    return Results.Text(reader.GetString(1), "application/json");
});
app.Run();
