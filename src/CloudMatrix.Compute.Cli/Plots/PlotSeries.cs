namespace CloudMatrix.Compute.Cli.Plots;

/// <summary>One line of a chart: its legend name and its points in data units, in x order.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">The points; those a log axis cannot show (x or y not above 0) are skipped there.</param>
internal sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points);
