using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace OrleansScale.Articles;

/// <summary>An author's article index. Its slugs are rows of <c>author_article</c>, not a grain-state
/// document: recording one is one idempotent insert, so nothing the grain stores grows with the author's
/// history. It keeps nothing in memory.</summary>
[GrainType("author-articles")]
public sealed partial class AuthorArticlesGrain(
    AuthorArticleDatabase database,
    [FromKeyedServices(StorageNames.Main)] IGrainStorage storage,
    ILogger<AuthorArticlesGrain> logger)
    : Grain, IAuthorArticlesGrain
{
    /// <summary>The state name of the index when it was one document (<see cref="AuthorArticlesState"/>).</summary>
    const string SingleDocumentState = "author-articles";

    string AuthorId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => CarryOverSingleDocument(cancellationToken);

    /// <summary>Moves an index stored as one document into the rows, in its order, then deletes the
    /// document. The insert is idempotent and the document goes last, so an activation that dies half-way
    /// repeats the move.</summary>
    async Task CarryOverSingleDocument(CancellationToken cancellationToken)
    {
        var moved = await SingleDocumentCarryOver.Move<AuthorArticlesState, string>(
            storage, SingleDocumentState, this.GetGrainId(), old => old.Slugs,
            slugs => database.Insert(AuthorId, slugs, cancellationToken),
            cancellationToken);
        if (moved is { } count)
            LogCarriedOver(AuthorId, count);
    }

    public Task Add(string slug, CancellationToken cancellationToken) => database.Insert(AuthorId, [slug], cancellationToken);

    public Task<AuthorArticlePage> Page(int limit, long? after, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, IAuthorArticlesGrain.MaxPageSize);
        return database.Page(AuthorId, limit, after, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Article index of author {AuthorId}: {Count} slugs moved from the single document into author_article")]
    partial void LogCarriedOver(string authorId, int count);
}

/// <summary>An author's article index as it was stored before <c>author_article</c>: every slug in one
/// document (state "author-articles"). No longer written: <see cref="AuthorArticlesGrain"/> reads it once to
/// carry it over, then deletes it. Kept under its old name, because the stored JSON names this type.</summary>
[GenerateSerializer]
public sealed class AuthorArticlesState
{
    [Id(0)] public List<string> Slugs { get; set; } = [];
}
