using ScottPlot;

namespace FastDb.Harness.Reporting;

/// <summary>
/// --plot FILE: a timeline of the run (PNG, or SVG if the name ends in .svg). Top: correct queries per second.
/// Middle: latency percentiles (p50, p90, p99) of the answers checked in each second. Bottom: one row per monkey
/// target (node or link), with a shaded bar for every monkey event, so a stall lines up with its cause.
/// </summary>
public static class TimelinePlot
{
    public static void Save(string path, RunTimeline timeline, string title)
    {
        IReadOnlyList<AnswerSample> answers = timeline.Answers;
        IReadOnlyList<TimelineEvent> events = timeline.Events;
        double end = Math.Max(1, Math.Max(timeline.Now, answers.Count > 0 ? answers[^1].CheckedAtSeconds : 0));
        int seconds = (int)Math.Ceiling(end);

        var perSecond = new double[seconds];
        var buckets = new List<double>[seconds];
        for (int i = 0; i < seconds; i++) buckets[i] = new List<double>();
        foreach (AnswerSample a in answers)
        {
            int s = Math.Clamp((int)a.CheckedAtSeconds, 0, seconds - 1);
            perSecond[s]++;
            buckets[s].Add(a.LatencyMs);
        }
        double[] xs = Enumerable.Range(0, seconds).Select(i => i + 0.5).ToArray();

        var multi = new Multiplot();
        multi.AddPlots(3);
        Plot rate = multi.GetPlot(0), latency = multi.GetPlot(1), faults = multi.GetPlot(2);

        var bars = rate.Add.Scatter(xs, perSecond);
        bars.LegendText = "correct queries/s";
        bars.MarkerSize = 0;
        rate.Title(title);
        rate.YLabel("correct/s");
        AddWorkloadMarkers(rate, timeline);

        foreach ((double q, string label) in new[] { (0.5, "p50"), (0.9, "p90"), (0.99, "p99") })
        {
            double[] ys = buckets.Select(b => b.Count == 0 ? double.NaN : Percentile(b, q)).ToArray();
            var line = latency.Add.Scatter(xs, ys);
            line.LegendText = label;
            line.MarkerSize = 3;
        }
        latency.YLabel("latency ms");
        latency.ShowLegend();

        var targets = events.Where(e => e.EndSeconds > e.StartSeconds).Select(e => e.Target).Distinct()
            .OrderBy(t => t.StartsWith("node", StringComparison.Ordinal) ? 0 : 1).ThenBy(t => t, StringComparer.Ordinal).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var monkeys = events.Select(e => e.Monkey).Distinct().ToList();
        var legendDone = new HashSet<string>();
        foreach (TimelineEvent e in events.Where(e => e.EndSeconds > e.StartSeconds))
        {
            int row = targets.IndexOf(e.Target);
            var rect = faults.Add.Rectangle(e.StartSeconds, e.EndSeconds, row + 0.1, row + 0.9);
            Color color = palette.GetColor(monkeys.IndexOf(e.Monkey));
            rect.FillColor = color.WithAlpha(0.45);
            rect.LineColor = color;
            if (legendDone.Add(e.Monkey)) rect.LegendText = e.Monkey;
        }
        var ticks = targets.Select((t, i) => new Tick(i + 0.5, t)).ToArray();
        faults.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        faults.Axes.SetLimitsY(0, Math.Max(1, targets.Count));
        faults.XLabel("seconds since the harness started");
        faults.ShowLegend(Alignment.UpperRight);

        foreach (Plot p in new[] { rate, latency, faults }) p.Axes.SetLimitsX(0, end);

        int height = 700 + 14 * targets.Count;
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)) File.WriteAllText(path, StackedSvg([rate, latency, faults], 1400, height));
        else multi.SavePng(path, 1400, height);
    }

    /// <summary>ScottPlot's Multiplot renders only bitmaps; for SVG the three panels are nested in one document.</summary>
    private static string StackedSvg(Plot[] panels, int width, int height)
    {
        int panelHeight = height / panels.Length;
        var sb = new System.Text.StringBuilder();
        sb.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{panelHeight * panels.Length}\">");
        for (int i = 0; i < panels.Length; i++)
        {
            string inner = panels[i].GetSvgXml(width, panelHeight);
            int start = inner.IndexOf("<svg", StringComparison.Ordinal);
            inner = inner[start..].Insert(4, System.FormattableString.Invariant($" y=\"{i * panelHeight}\""));
            sb.Append(inner);
        }
        return sb.Append("</svg>").ToString();
    }

    private static void AddWorkloadMarkers(Plot plot, RunTimeline timeline)
    {
        if (timeline.WorkloadStartSeconds is double start) plot.Add.VerticalLine(start).LegendText = "boot done";
        if (timeline.WorkloadEndSeconds is double stop) plot.Add.VerticalLine(stop).LegendText = "time's up";
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int index = (int)Math.Ceiling(q * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
