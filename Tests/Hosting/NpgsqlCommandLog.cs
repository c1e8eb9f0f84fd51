using System.Diagnostics;

namespace OrleansScale.Tests.Hosting;

/// <summary>Every SQL statement Npgsql runs in this process (silos and APIs alike), from its ActivitySource.</summary>
public sealed class NpgsqlCommandLog : IDisposable
{
    readonly ActivityListener listener;
    readonly List<string> statements = [];

    public NpgsqlCommandLog()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                var text = activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement") ?? activity.DisplayName;
                lock (statements)
                    statements.Add(text?.ToString() ?? "");
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    public List<string> Statements()
    {
        lock (statements)
            return statements.ToList();
    }

    /// <summary>The statements so far that name <paramref name="table"/>.</summary>
    public List<string> Touching(string table) =>
        Statements().Where(s => s.Contains(table, StringComparison.OrdinalIgnoreCase)).ToList();

    public void Clear()
    {
        lock (statements)
            statements.Clear();
    }

    public void Dispose() => listener.Dispose();
}
