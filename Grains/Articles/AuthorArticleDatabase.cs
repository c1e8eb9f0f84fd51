using Npgsql;

namespace OrleansScale.Articles;

/// <summary>The rows of <c>author_article</c> (deploy/sql/0010-user-indexes.sql). Single-table statements
/// only; an insert is one statement, a page one range of the index <c>(author_id, position)</c>.</summary>
public sealed class AuthorArticleDatabase(NpgsqlDataSource source)
{
    /// <summary>Connections each silo's article index may hold: it is written once per new article, so a
    /// few are plenty, and they are not taken from the server's max_connections that the grain storage,
    /// the queue and the clustering share.</summary>
    public const int MaxConnections = 4;

    public static AuthorArticleDatabase Create(string connectionString) =>
        new(DedicatedPool.Create(connectionString, MaxConnections));

    /// <summary>Records the slugs that are not recorded yet, in the given order, in one statement.</summary>
    public async Task Insert(string authorId, IReadOnlyList<string> slugs, CancellationToken cancellationToken)
    {
        if (slugs.Count == 0)
            return;
        await using var command = source.CreateCommand("""
            INSERT INTO author_article (author_id, slug)
            SELECT $1, s.slug FROM unnest($2::text[]) WITH ORDINALITY AS s (slug, n) ORDER BY s.n
            ON CONFLICT (author_id, slug) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = authorId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. slugs] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="limit"/> slugs of the author, oldest first, after the position.</summary>
    public async Task<AuthorArticlePage> Page(string authorId, int limit, long? after, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("""
            SELECT slug, position FROM author_article
             WHERE author_id = $1 AND position > $2
             ORDER BY position
             LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = authorId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after ?? 0 });
        // One more than asked: whether it exists tells if there is a next page.
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        var slugs = new List<string>();
        var last = 0L;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (slugs.Count == limit)
                return new AuthorArticlePage(slugs, last);
            slugs.Add(reader.GetString(0));
            last = reader.GetInt64(1);
        }
        return new AuthorArticlePage(slugs, null);
    }
}
