using Microsoft.Extensions.Logging.Abstractions;
using OrleansScale.Silo.Schema;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Cluster;

public sealed class SchemaTests
{
    const string Fingerprint = """
        SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
          || '|' || (SELECT string_agg(querykey || '=' || md5(querytext), ',' ORDER BY querykey) FROM orleansquery)
          || '|' || (SELECT string_agg(version || ':' || checksum, ',' ORDER BY version) FROM schema_version)
          || '|' || (SELECT string_agg(p.proname || md5(p.prosrc), ',' ORDER BY p.proname) FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public')
        FROM information_schema.columns WHERE table_schema = 'public'
        """;

    [Fact]
    public async Task Applying_the_schema_twice_changes_nothing()
    {
        await using var database = await TestDatabase.CreateEmpty("schema");
        var migrator = new SchemaMigrator(NullLogger<SchemaMigrator>.Instance);

        var first = await migrator.Apply(database.ConnectionString);
        var afterFirst = await database.Scalar<string>(Fingerprint);
        var second = await migrator.Apply(database.ConnectionString);
        var afterSecond = await database.Scalar<string>(Fingerprint);

        Assert.Equal(SchemaMigrator.ShippedScripts().Select(s => s.Version), first);
        Assert.Empty(second);
        Assert.Equal(afterFirst, afterSecond);
    }

    [Fact]
    public async Task Rewriting_a_grains_state_touches_no_index_and_only_a_session_moves_its_modified_time()
    {
        await using var database = await TestDatabase.Create("hot");
        const string write = "SELECT orleans_storage_write('s', 1, $$GRAINTYPE$$, 2, 3, 4, NULL, VERSION, '\\x00'::bytea)";
        async Task<int> Write(string grainType, int? version) =>
            await database.Scalar<int>(write.Replace("GRAINTYPE", grainType).Replace("VERSION", version?.ToString() ?? "NULL"));
        async Task<DateTimeOffset> Modified(string grainType) =>
            await database.Scalar<DateTime>($"SELECT modified_on FROM orleans_storage WHERE grain_type = '{grainType}'");

        var version = await Write("product", null);
        var productFirstWritten = await Modified("product");
        for (var i = 0; i < 50; i++)
            version = await Write("product", version);
        var sessionVersion = await Write("session", null);
        var sessionFirstWritten = await Modified("session");
        await Write("session", sessionVersion);

        Assert.Equal(51, version);
        Assert.Equal(productFirstWritten, await Modified("product"));
        Assert.True(await Modified("session") > sessionFirstWritten);
        // The statistics of other backends arrive within a second or so.
        await Await.Until(() => database.Scalar<long>("SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'orleans_storage'"),
            hot => hot >= 45, TimeSpan.FromSeconds(30), "the product's rewrites counted as HOT updates");
    }

    [Fact]
    public async Task Concurrent_migrations_apply_each_script_once()
    {
        await using var database = await TestDatabase.CreateEmpty("schemarace");
        var migrator = new SchemaMigrator(NullLogger<SchemaMigrator>.Instance);

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => migrator.Apply(database.ConnectionString)));

        Assert.Equal(SchemaMigrator.ShippedScripts().Count, runs.Sum(r => r.Count));
        Assert.Equal(SchemaMigrator.ShippedScripts().Count, await database.Scalar<long>("SELECT count(*) FROM schema_version"));
    }
}
