namespace OrleansScale.Articles;

[GrainType("author-articles")]
public sealed class AuthorArticlesGrain(
    [PersistentState("author-articles", StorageNames.Main)] IPersistentState<AuthorArticlesState> state)
    : Grain, IAuthorArticlesGrain
{
    public async Task Add(string slug)
    {
        if (state.State.Slugs.Contains(slug))
            return;
        state.State.Slugs.Add(slug);
        await state.WriteStateAsync();
    }

    public ValueTask<IReadOnlyList<string>> List() =>
        ValueTask.FromResult<IReadOnlyList<string>>(state.State.Slugs.ToArray());
}

[GenerateSerializer]
public sealed class AuthorArticlesState
{
    [Id(0)] public List<string> Slugs { get; set; } = [];
}
