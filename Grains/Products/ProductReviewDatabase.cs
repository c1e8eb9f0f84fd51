using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace OrleansScale.Products;

/// <summary>The rows of <c>product_review</c> (deploy/sql/0013-product-reviews.sql): every review of a
/// product, numbered in acceptance order. Single-table statements only. The product grain is the only
/// writer of a product's rows, and its document's review count says which rows are counted.</summary>
public sealed class ProductReviewDatabase(NpgsqlDataSource source)
{
    /// <summary>Connections each silo's product reviews may hold: a burst of reviews waits for one rather
    /// than take the server's max_connections from the grain storage, the queue and the clustering.</summary>
    public const int MaxConnections = 16;

    /// <summary>A data source on the primary with at most <see cref="MaxConnections"/> connections.</summary>
    public static ProductReviewDatabase Create(string connectionString) =>
        new(DedicatedPool.Create(connectionString, MaxConnections));

    /// <summary>Stores a review as number <paramref name="number"/> of the product, the next number after
    /// every counted review, unless the user already has a review of the product. A row already at that
    /// number belongs to an attempt that died before the product counted it and is replaced. One
    /// transaction, one round trip. False when the user's earlier review stands.</summary>
    public async Task<bool> TryAdd(string productId, long number, ReviewView review, CancellationToken cancellationToken = default)
    {
        await using var batch = source.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM product_review WHERE product_id = $1 AND number = $2")
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = productId },
                new NpgsqlParameter<long> { TypedValue = number },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO product_review (product_id, number, review_id, user_id, rating, text, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (product_id, user_id) DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = productId },
                new NpgsqlParameter<long> { TypedValue = number },
                new NpgsqlParameter<string> { TypedValue = review.Id },
                new NpgsqlParameter<string> { TypedValue = review.UserId },
                new NpgsqlParameter<short> { TypedValue = (short)review.Rating },
                new NpgsqlParameter<string> { TypedValue = review.Text },
                new NpgsqlParameter<DateTime> { TypedValue = review.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return batch.BatchCommands[1].RecordsAffected == 1;
    }

    /// <summary>Stores reviews carried over from an earlier format, keeping any row already there (a move
    /// cut short is repeated). One statement however many are given.</summary>
    public async Task InsertCarriedOver(string productId, IReadOnlyCollection<(long Number, ReviewView Review)> reviews,
        CancellationToken cancellationToken = default)
    {
        if (reviews.Count == 0)
            return;
        await using var command = source.CreateCommand("""
            INSERT INTO product_review (product_id, number, review_id, user_id, rating, text, created_at)
            SELECT $1, r.number, r.review_id, r.user_id, r.rating, r.text, r.created_at
              FROM unnest($2::bigint[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::timestamptz[])
                   AS r (number, review_id, user_id, rating, text, created_at)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = productId });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. reviews.Select(r => r.Number)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reviews.Select(r => r.Review.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reviews.Select(r => r.Review.UserId)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. reviews.Select(r => (short)r.Review.Rating)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reviews.Select(r => r.Review.Text)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>
        {
            TypedValue = [.. reviews.Select(r => r.Review.CreatedAt.UtcDateTime)],
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The reviews numbered <paramref name="oldest"/> to <paramref name="newest"/> (both included),
    /// newest first: one range of the primary key.</summary>
    public async Task<IReadOnlyList<ReviewView>> Range(string productId, long oldest, long newest, CancellationToken cancellationToken = default)
    {
        await using var command = source.CreateCommand("""
            SELECT review_id, user_id, rating, text, created_at
              FROM product_review
             WHERE product_id = $1 AND number BETWEEN $2 AND $3
             ORDER BY number DESC
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = productId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = oldest });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = newest });
        var items = new List<ReviewView>((int)Math.Min(newest - oldest + 1, 128));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ReviewView(reader.GetString(0), reader.GetString(1), reader.GetInt16(2), reader.GetString(3),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(4), TimeSpan.Zero)));
        }
        return items;
    }
}

public static class ProductReviewSetup
{
    /// <summary>The product reviews' data source on the primary, its pool bounded by
    /// <see cref="ProductReviewDatabase.MaxConnections"/>.</summary>
    public static IServiceCollection AddProductReviews(this IServiceCollection services, string connectionString) =>
        services.AddSingleton(_ => ProductReviewDatabase.Create(connectionString));
}
