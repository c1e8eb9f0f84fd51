using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansScale.Activities;

namespace OrleansScale.Tests.Activities;

/// <summary>Counts, in every silo of the test process, how often each activity was handed to each feed
/// (<see cref="IActivityFeedGrain.Deliver"/> calls that carried it), so a test can tell a fan-out that was
/// waited for from one that was repeated.</summary>
sealed class FeedDeliveryCounter : IIncomingGrainCallFilter
{
    static readonly ConcurrentDictionary<(string Feed, string Activity), int> Counts = new();

    public static int Deliveries(string feedOwnerId, string activityId) =>
        Counts.GetValueOrDefault((feedOwnerId, activityId));

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(IActivityFeedGrain.Deliver)
            && context.TargetId.Type.ToString() == "activity-feed"
            && context.Request.GetArgument(0) is IReadOnlyList<ActivityView> activities)
        {
            var feed = context.TargetId.Key.ToString()!;
            foreach (var activity in activities)
                Counts.AddOrUpdate((feed, activity.Id), 1, (_, n) => n + 1);
        }
        await context.Invoke();
    }

    public sealed class Installed : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => silo.Services.AddSingleton<IIncomingGrainCallFilter, FeedDeliveryCounter>();
    }
}
