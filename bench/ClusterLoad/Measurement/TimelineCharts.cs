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
            var offered = Line(plot, rows, r => r.Groups[g].Offered, $"{Name(group)} offered", GroupColors[group]);
            offered.LinePattern = LinePattern.Dashed;
            Line(plot, rows, r => r.Groups[g].Served, $"{Name(group)} served", GroupColors[group]);
        }
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
        var plot = NewPlot($"{title}: background work queue", "depth (messages)");
        Line(plot, rows, r => r.QueueDepth, "depth", Colors.Purple);
        var age = Line(plot, rows, r => r.QueueOldestAgeSeconds, "oldest message age (s, right axis)", Colors.DarkOrange);
        age.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "oldest age (s)";
        if (rows.All(r => r.QueueDepth is null && r.QueueOldestAgeSeconds is null))
            plot.Add.Annotation("the cluster reported no queue depth or age (GET /api/cluster, queue.depth / queue.oldestAgeSeconds)");
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

    /// <summary>A line over the seconds that have a value; seconds without one are left out, not drawn as 0.</summary>
    static ScottPlot.Plottables.Scatter Line(Plot plot, IReadOnlyList<TimelineRow> rows, Func<TimelineRow, double?> value, string label, Color color)
    {
        var points = rows.Where(r => value(r) is not null).ToArray();
        var line = plot.Add.ScatterLine(points.Select(r => (double)r.Second).ToArray(), points.Select(r => value(r)!.Value).ToArray(), color);
        line.LegendText = label;
        line.LineWidth = 1.5f;
        return line;
    }

    static IEnumerable<string> Save(Plot plot, IReadOnlyList<PhaseMark> marks, string directory, string name)
    {
        foreach (var mark in marks)
        {
            var line = plot.Add.VerticalLine(mark.At.TotalSeconds, 1, Colors.Gray);
            line.Text = mark.Name;
            line.LabelOppositeAxis = true;
            line.LabelFontSize = 11;
            line.LinePattern = LinePattern.Dotted;
        }
        var png = Path.Combine(directory, name + ".png");
        var svg = Path.Combine(directory, name + ".svg");
        plot.SavePng(png, Width, Height);
        plot.SaveSvg(svg, Width, Height);
        return [png, svg];
    }

    static string Name(OperationGroup group) => group switch
    {
        OperationGroup.Read => "reads",
        OperationGroup.Write => "writes",
        _ => "sign-ins",
    };
}
