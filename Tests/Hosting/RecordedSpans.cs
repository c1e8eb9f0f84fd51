using System.Collections;
using System.Diagnostics;

namespace OrleansScale.Tests.Hosting;

/// <summary>The finished spans of every tracer in this test process, each once. In one process every tracer
/// provider hears every activity source, so the silos' and the APIs' in-memory exporters all hand over the
/// same span; it is kept the first time.</summary>
public sealed class RecordedSpans : ICollection<Activity>
{
    readonly List<Activity> spans = [];
    readonly HashSet<Activity> seen = [];

    public void Add(Activity span)
    {
        lock (spans)
        {
            if (seen.Add(span))
                spans.Add(span);
        }
    }

    /// <summary>The spans recorded so far, in the order they ended.</summary>
    public List<Activity> All()
    {
        lock (spans)
            return spans.ToList();
    }

    public List<Activity> OfTrace(ActivityTraceId trace) => All().Where(s => s.TraceId == trace).ToList();

    public int Count
    {
        get { lock (spans) return spans.Count; }
    }

    public bool IsReadOnly => false;

    public void Clear()
    {
        lock (spans)
        {
            spans.Clear();
            seen.Clear();
        }
    }

    public bool Contains(Activity span)
    {
        lock (spans)
            return seen.Contains(span);
    }

    public void CopyTo(Activity[] array, int index) => All().CopyTo(array, index);

    public bool Remove(Activity span)
    {
        lock (spans)
            return seen.Remove(span) && spans.Remove(span);
    }

    public IEnumerator<Activity> GetEnumerator() => All().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One line a span, for a failure message: source, kind, name, span id and parent id.</summary>
    public static string Describe(IEnumerable<Activity> spans) => string.Join("\n", spans.Select(s =>
        $"{s.Source.Name} {s.Kind} {s.DisplayName} span={s.SpanId} parent={s.ParentSpanId} db={s.GetTagItem("db.query.text")}"));
}
