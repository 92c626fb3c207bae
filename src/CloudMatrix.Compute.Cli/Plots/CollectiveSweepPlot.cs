namespace CloudMatrix.Compute.Cli.Plots;

/// <summary>
/// The <c>cmx collective --plot</c> chart: bus bandwidth against size (y from 0) and time against size (log-log),
/// one series per algorithm, "simulated on SYSTEM" in the title, and a note naming series that coincide.
/// </summary>
internal static class CollectiveSweepPlot
{
    /// <summary>One swept point of one series: size S in bytes, simulated time in µs, bus bandwidth in GB/s.</summary>
    internal readonly record struct Point(double Bytes, double TimeUs, double BusbwGbps);

    /// <summary>Builds the chart's SVG text.</summary>
    /// <param name="what">The sweep, e.g. "allreduce, 384 ranks, bfloat16".</param>
    /// <param name="systemName">The modelled system, for the title.</param>
    /// <param name="series">Per algorithm (legend name), its points in size order.</param>
    public static string Render(string what, string systemName, IReadOnlyList<(string Name, IReadOnlyList<Point> Points)> series)
    {
        var all = series.SelectMany(s => s.Points).Where(p => p.Bytes > 0).ToList();
        double minBytes = all.Count > 0 ? all.Min(p => p.Bytes) : 1;
        double maxBytes = all.Count > 0 ? all.Max(p => p.Bytes) : 2;
        var positiveTimes = all.Where(p => p.TimeUs > 0).Select(p => p.TimeUs).ToList();

        var chart = new SvgChart($"{what}: simulated on {systemName}");
        chart.AddPanel("bus bandwidth",
            PlotAxis.Bytes("size S (bytes, as nccl-tests counts it)", minBytes, maxBytes),
            PlotAxis.LinearFromZero("busbw (GB/s)", all.Count > 0 ? all.Max(p => p.BusbwGbps) : 1),
            [.. series.Select(s => new PlotSeries(s.Name, [.. s.Points.Where(p => p.Bytes > 0).Select(p => (p.Bytes, p.BusbwGbps))]))]);
        chart.AddPanel("time (log-log)",
            PlotAxis.Bytes("size S (bytes, as nccl-tests counts it)", minBytes, maxBytes),
            PlotAxis.Microseconds("simulated time", positiveTimes.Count > 0 ? positiveTimes.Min() : 1, positiveTimes.Count > 0 ? positiveTimes.Max() : 10),
            [.. series.Select(s => new PlotSeries(s.Name, [.. s.Points.Where(p => p.Bytes > 0).Select(p => (p.Bytes, p.TimeUs))]))]);
        foreach (string note in CoincidenceNotes(series))
        {
            chart.AddNote(note);
        }

        return chart.Render();
    }

    /// <summary>
    /// "a and b coincide ..." for each group of series whose times agree within 0.5 % at every size: their lines lie
    /// on top of each other, and only the nested markers show that both are there.
    /// </summary>
    internal static IEnumerable<string> CoincidenceNotes(IReadOnlyList<(string Name, IReadOnlyList<Point> Points)> series)
    {
        var placed = new bool[series.Count];
        for (int i = 0; i < series.Count; i++)
        {
            if (placed[i]) continue;
            var group = new List<string> { series[i].Name };
            for (int j = i + 1; j < series.Count; j++)
            {
                if (!placed[j] && Coincide(series[i].Points, series[j].Points))
                {
                    placed[j] = true;
                    group.Add(series[j].Name);
                }
            }

            if (group.Count > 1)
            {
                yield return $"{string.Join(" and ", group)} coincide (time within 0.5 % at every size): their markers are drawn nested.";
            }
        }
    }

    private static bool Coincide(IReadOnlyList<Point> a, IReadOnlyList<Point> b) =>
        a.Count == b.Count && a.Count > 0 &&
        a.Zip(b).All(p => p.First.Bytes == p.Second.Bytes &&
                          Math.Abs(p.First.TimeUs - p.Second.TimeUs) <= 0.005 * Math.Max(Math.Abs(p.First.TimeUs), Math.Abs(p.Second.TimeUs)));
}
