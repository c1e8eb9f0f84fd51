using System.Net.Http.Json;
using System.Text.Json;
using OrleansScale.Jobs;
using OrleansScale.Tests.Hosting;

namespace OrleansScale.Tests.Jobs;

public sealed class JobFailoverTests(JobFailoverFixture fixture) : IClassFixture<JobFailoverFixture>
{
    [Fact]
    public async Task Job_completes_on_another_silo_when_the_silo_running_it_dies()
    {
        var user = await fixture.ApiA.SignUpAndIn();
        var jobId = Guid.NewGuid().ToString("N");
        var gate = GateJob.For(jobId);
        gate.HoldAttempts = 1; // the first attempt never finishes on its own: its silo is killed under it
        await fixture.Cluster.Client.GetGrain<IJobGrain>(jobId).Enqueue(new NewJob(GateJob.Kind, user.UserId, ""));
        var runningOn = await gate.FirstAttempt.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var silo = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(runningOn));

        await fixture.Cluster.KillSiloAsync(silo);

        var job = await ExportJobTests.AwaitStatus(fixture.ApiA.WithToken(user.Token), jobId, "succeeded");
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        var result = await fixture.ApiA.WithToken(user.Token).GetFromJsonAsync<JsonElement>($"/api/jobs/{jobId}/result");
        Assert.NotEqual(runningOn.ToParsableString(), result.GetProperty("silo").GetString());
    }
}
