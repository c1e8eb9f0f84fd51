using ScottPlot;

namespace OrleansScale.Bench.ClusterLoad.Measurement;

/// <summary>The timeline as three charts, each as PNG and SVG, with the phase boundaries marked:
/// offered vs served rates, p99 latency, and the queue's depth and oldest message age.</summary>
public static class TimelineCharts
{
    const int Width = 1400;
    const int Height = 520;

    static readonly Dictionary<OperationGroup, Color> GroupColors = new()
    {
        [OperationGroup.Read] = Colors.SteelBlue,
        [OperationGroup.Write] = Colors.OrangeRed,
        [OperationGroup.SignIn] = Colors.SeaGreen,
    };

    /// <summary>Writes the charts into <paramref name="directory"/>; the paths written.</summary>
    public static IReadOnlyList<string> Write(Timeline timeline, string directory, string title)
    {
        var rows = timeline.Rows;
        var marks = timeline.Marks;
        return
        [
            .. Save(Rates(rows, title), marks, directory, "rates"),
            .. Save(Latency(rows, title), marks, directory, "latency"),
            .. Save(Queue(rows, title), marks, directory, "queue"),
        ];
    }

    static Plot Rates(IReadOnlyList<TimelineRow> rows, string title)
    {
        var plot = NewPlot($"{title}: offered and served requests per second", "requests / s");
        foreach (var group in Enum.GetValues<OperationGroup>())
        {
            var g = (int)group;
            if (rows.All(r => r.Groups[g].Offered == 0 && r.Groups[g].Served == 0))
                continue;
            Line(plot, rows, r => r.Groups[g].Offered, $"{Name(group)} offered", GroupColors[group])!.LinePattern = LinePattern.Dashed;
            Line(plot, rows, r => r.Groups[g].Served, $"{Name(group)} served", GroupColors[group]);
        }
        if (rows.Any(r => r.Groups.Any(g => g.Failed + g.Shed > 0)))
            Line(plot, rows, r => r.Groups.Sum(g => g.Failed + g.Shed), "failed + shed (all)", Colors.Black)!.LinePattern = LinePattern.Dotted;
        return plot;
    }

    static Plot Latency(IReadOnlyList<TimelineRow> rows, string title)
    {
        var plot = NewPlot($"{title}: p99 latency from the time each request was due", "p99 (ms)");
        foreach (var group in new[] { OperationGroup.Read, OperationGroup.Write })
            Line(plot, rows, r => r.Groups[(int)group].P99Milliseconds, $"{Name(group)} p99", GroupColors[group]);
        return plot;
    }

    static Plot Queue(IReadOnlyList<TimelineRow> rows, string title)
    {
        var plot = NewPlot($"{title}: background work queue", "messages");
        Line(plot, rows, r => r.QueueDepth, "depth", Colors.Purple);
        Line(plot, rows, r => r.DeadLetters, "dead letters", Colors.Black);
        if (Line(plot, rows, r => r.QueueOldestAgeSeconds, "oldest message age (s, right axis)", Colors.DarkOrange) is { } age)
        {
            age.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "oldest age (s)";
        }
        if (rows.All(r => r.QueueDepth is null && r.QueueOldestAgeSeconds is null))
            plot.Add.Annotation("queue.depth and queue.oldestAgeSeconds not reported by GET /api/cluster", Alignment.UpperCenter);
        return plot;
    }

    static Plot NewPlot(string title, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.Axes.Bottom.Label.Text = "time since the run started (s)";
        plot.Axes.Left.Label.Text = yLabel;
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>A line over the seconds that have a value; seconds without one are left out, not drawn as 0.
    /// None (null) when no second has a value, so the legend names only what is drawn.</summary>
    static ScottPlot.Plottables.Scatter? Line(Plot plot, IReadOnlyList<TimelineRow> rows, Func<TimelineRow, double?> value, string label, Color color)
    {
        var points = rows.Where(r => value(r) is not null).ToArray();
        if (points.Length == 0)
            return null;
        var line = plot.Add.ScatterLine(points.Select(r => (double)r.Second).ToArray(), points.Select(r => value(r)!.Value).ToArray(), color);
        line.LegendText = label;
        line.LineWidth = 1.5f;
        return line;
    }

    static IEnumerable<string> Save(Plot plot, IReadOnlyList<PhaseMark> marks, string directory, string name)
    {
        foreach (var (at, label) in Labels(marks))
        {
            var line = plot.Add.VerticalLine(at, 1, Colors.Gray);
            line.Text = label;
            line.LabelOppositeAxis = true;
            line.LabelFontSize = 11;
            line.LinePattern = LinePattern.Dotted;
        }
        plot.Axes.Top.MinimumSize = 55; // room for the phase names between the title and the data
        var png = Path.Combine(directory, name + ".png");
        var svg = Path.Combine(directory, name + ".svg");
        plot.SavePng(png, Width, Height);
        plot.SaveSvg(svg, Width, Height);
        return [png, svg];
    }

    /// <summary>Phase boundaries as (seconds, label); a boundary within 6 % of the run after a labelled one
    /// joins that label ("end-checks, settle") and gets a line without one, so labels never overlap.</summary>
    static IEnumerable<(double At, string Label)> Labels(IReadOnlyList<PhaseMark> marks)
    {
        if (marks.Count == 0)
            yield break;
        var span = Math.Max(1, marks[^1].At.TotalSeconds - marks[0].At.TotalSeconds);
        var start = 0;
        for (var i = 1; i <= marks.Count; i++)
        {
            if (i < marks.Count && marks[i].At.TotalSeconds - marks[start].At.TotalSeconds < 0.06 * span)
                continue;
            yield return (marks[start].At.TotalSeconds, string.Join(", ", marks.Skip(start).Take(i - start).Select(m => m.Name)));
            for (var j = start + 1; j < i; j++)
                yield return (marks[j].At.TotalSeconds, "");
            start = i;
        }
    }

    static string Name(OperationGroup group) => group switch
    {
        OperationGroup.Read => "reads",
        OperationGroup.Write => "writes",
        _ => "sign-ins",
    };
}
