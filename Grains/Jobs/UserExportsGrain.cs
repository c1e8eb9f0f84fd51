namespace OrleansScale.Jobs;

[GrainType("user-exports")]
public sealed class UserExportsGrain(
    [PersistentState("user-exports", StorageNames.Main)] IPersistentState<UserExportsState> state)
    : Grain, IUserExportsGrain
{
    public async Task<JobView> Request()
    {
        var userId = this.GetPrimaryKeyString();
        var request = new NewJob(JobKinds.UserExport, userId, "");
        if (state.State.CurrentJobId is { } current)
        {
            var job = GrainFactory.GetGrain<IJobGrain>(current);
            var view = await job.Get();
            if (view is null || !view.IsFinished)
                return await job.Enqueue(request); // the same job; queued again only if queuing it failed
        }

        // The id is remembered before the job exists, so a crash in between leaves a job id that the
        // next request completes (above) instead of a second export.
        var id = Guid.NewGuid().ToString("N");
        state.State.CurrentJobId = id;
        await state.WriteStateAsync();
        return await GrainFactory.GetGrain<IJobGrain>(id).Enqueue(request);
    }
}

/// <summary>A user's current export (state "user-exports"): one job id, replaced by the next export.
/// Bounded by its one field.</summary>
[GenerateSerializer]
public sealed class UserExportsState
{
    public const int MaxStoredBytes = StoredSize.Object;

    [Id(0)] public string? CurrentJobId { get; set; }
}
