using Microsoft.AspNetCore.Http.HttpResults;
using OrleansScale.Api.Hosting;
using OrleansScale.Api.Sessions;
using OrleansScale.Api.Hosting.Document;
using OrleansScale.Jobs;
using OrleansScale.Api.Queue;

namespace OrleansScale.Api.Jobs;

public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/users/{id}/exports", RequestExport).RequireAuthorization().WithTags("Jobs").WithName("RequestExport")
            .CreatesBackgroundWork()
            .WithSummary("Queues an export of the user's data. Only for the session's own user.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithResponseHeader(StatusCodes.Status202Accepted, "Location", "/api/jobs/{jobId}");
        var jobs = app.MapGroup("/api/jobs").WithTags("Jobs").RequireAuthorization();
        jobs.MapGet("/{jobId}", GetJob).WithName("GetJob").WithSummary("A job's status and progress; someone else's job is 404.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{jobId}/result", GetResult).WithName("GetJobResult")
            .WithSummary("The finished export: the user's profile, friends, reviews, activities and articles.")
            .Produces<ExportDocument>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        return app;
    }

    public sealed record JobAccepted(string JobId);

    public sealed record JobDetails(
        string Id, string Kind, string Status, int Progress, int Attempts,
        DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);

    static async Task<Results<Accepted<JobAccepted>, ProblemHttpResult>> RequestExport(string id, IGrainFactory grains, HttpContext http)
    {
        if (http.Current().View.UserId != id)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You can export only your own data.");
        var job = await grains.GetGrain<IUserExportsGrain>(id).Request();
        return TypedResults.Accepted($"/api/jobs/{job.Id}", new JobAccepted(job.Id));
    }

    /// <summary>Someone else's job answers exactly like a job that does not exist, so ids leak nothing.</summary>
    static async Task<Results<Ok<JobDetails>, ProblemHttpResult>> GetJob(string jobId, IGrainFactory grains, HttpContext http)
    {
        if (!IssuedIds.IsWellFormed(jobId))
            return NoSuchJob();
        var job = await grains.GetGrain<IJobGrain>(jobId).Get();
        if (job is null || job.OwnerId != http.Current().View.UserId)
            return NoSuchJob();
        return TypedResults.Ok(new JobDetails(job.Id, job.Kind, job.Status.ToString().ToLowerInvariant(), job.Progress,
            job.Attempts, job.CreatedAt, job.StartedAt, job.FinishedAt, job.Error));
    }

    static async Task<IResult> GetResult(string jobId, IGrainFactory grains, HttpContext http)
    {
        if (!IssuedIds.IsWellFormed(jobId))
            return NoSuchJob();
        var result = await grains.GetGrain<IJobGrain>(jobId).GetResult();
        if (result.Outcome == JobResultOutcome.NotFound || result.OwnerId != http.Current().View.UserId)
            return NoSuchJob();
        return result.Outcome switch
        {
            JobResultOutcome.NotFinished => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "The job has not finished yet.", detail: $"Poll /api/jobs/{jobId} until its status is succeeded."),
            JobResultOutcome.Failed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "The job failed and has no result.", detail: $"/api/jobs/{jobId} says why."),
            JobResultOutcome.Expired => TypedResults.Problem(statusCode: StatusCodes.Status410Gone,
                title: "The job's result has expired. Request a new export."),
            _ => TypedResults.Content(result.Json, "application/json; charset=utf-8"),
        };
    }

    static ProblemHttpResult NoSuchJob() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job.");
}
