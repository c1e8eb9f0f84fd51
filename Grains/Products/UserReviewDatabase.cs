using Npgsql;
using NpgsqlTypes;

namespace OrleansScale.Products;

/// <summary>The rows of <c>user_review</c> (deploy/sql/0010-user-indexes.sql): every review a user wrote.
/// Single-table statements only; each costs the same however many reviews the user has: an insert is
/// one row, a page one range of the index <c>(user_id, created_at DESC, review_id DESC)</c>.</summary>
public sealed class UserReviewDatabase(NpgsqlDataSource source)
{
    /// <summary>Connections each silo's review index may hold. The index is written by the queued review
    /// follow-up, so a burst of reviews waits for a connection rather than take the server's
    /// max_connections from the grain storage, the queue and the clustering.</summary>
    public const int MaxConnections = 8;

    /// <summary>A data source on the primary with at most <see cref="MaxConnections"/> connections.</summary>
    public static UserReviewDatabase Create(string connectionString) =>
        new(DedicatedPool.Create(connectionString, MaxConnections));

    /// <summary>Inserts the reviews of one user that are not there yet (by review id); one statement
    /// however many are given.</summary>
    public async Task Insert(string userId, IReadOnlyCollection<UserReview> reviews, CancellationToken cancellationToken)
    {
        if (reviews.Count == 0)
            return;
        await using var command = source.CreateCommand("""
            INSERT INTO user_review (user_id, review_id, product_id, rating, text, created_at)
            SELECT $1, r.review_id, r.product_id, r.rating, r.text, r.created_at
              FROM unnest($2::text[], $3::text[], $4::smallint[], $5::text[], $6::timestamptz[])
                   AS r (review_id, product_id, rating, text, created_at)
            ON CONFLICT (user_id, review_id) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reviews.Select(r => r.ReviewId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reviews.Select(r => r.ProductId)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. reviews.Select(r => (short)r.Rating)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reviews.Select(r => r.Text)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>
        {
            TypedValue = [.. reviews.Select(r => r.CreatedAt.UtcDateTime)],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="limit"/> reviews of the user, newest first, after the cursor.</summary>
    public async Task<UserReviewPage> Page(string userId, int limit, UserReviewCursor? after, CancellationToken cancellationToken)
    {
        var keyset = after is null ? "" : "AND (created_at, review_id) < ($3, $4)";
        await using var command = source.CreateCommand($"""
            SELECT review_id, product_id, rating, text, created_at
              FROM user_review
             WHERE user_id = $1 {keyset}
             ORDER BY created_at DESC, review_id DESC
             LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        // One more than asked: whether it exists tells if there is a next page.
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        if (after is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = after.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.ReviewId });
        }
        var items = new List<UserReview>(Math.Min(limit + 1, 128));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new UserReview(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), reader.GetString(3),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(4), TimeSpan.Zero)));
        }
        if (items.Count <= limit)
            return new UserReviewPage(items, null);
        items.RemoveAt(limit);
        var last = items[^1];
        return new UserReviewPage(items, new UserReviewCursor(last.CreatedAt, last.ReviewId));
    }
}
