using System.Globalization;

namespace CloudMatrix.Compute.Cli.Plots;

/// <summary>
/// One axis of a panel: its label, its range in data units, whether it is logarithmic, and its ticks. The
/// factories pick the range and ticks a reader expects: bandwidth from 0, sizes at powers of two, times at decades.
/// </summary>
internal sealed record PlotAxis(string Label, bool Log, double Min, double Max, IReadOnlyList<(double Value, string Text)> Ticks)
{
    private static readonly double[] RoundSteps = [1, 2, 5, 10];

    /// <summary>Where <paramref name="value"/> falls on the axis, 0 at <see cref="Min"/> and 1 at <see cref="Max"/>.</summary>
    public double Fraction(double value) => Log
        ? (Math.Log(value) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min))
        : (value - Min) / (Max - Min);

    /// <summary>A linear axis from 0 to a round number at or above <paramref name="max"/>, with 1-2-5 steps.</summary>
    public static PlotAxis LinearFromZero(string label, double max)
    {
        double top = max > 0 && double.IsFinite(max) ? max : 1;
        double raw = top / 5;
        double decade = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = RoundSteps.Select(f => f * decade).First(s => s >= raw * (1 - 1e-9));
        double end = Math.Ceiling((top / step) - 1e-9) * step;
        var ticks = new List<(double, string)>();
        for (int i = 0; i * step <= end * (1 + 1e-9); i++)
        {
            ticks.Add((i * step, (i * step).ToString("G4", CultureInfo.InvariantCulture)));
        }

        return new PlotAxis(label, Log: false, 0, end, ticks);
    }

    /// <summary>A log axis of byte sizes with ticks at powers of two (at most 9), labelled B, KiB, MiB, GiB.</summary>
    public static PlotAxis Bytes(string label, double min, double max)
    {
        double lo = Math.Floor(Math.Log2(Math.Max(1, min)));
        double hi = Math.Max(lo + 1, Math.Ceiling(Math.Log2(Math.Max(1, max))));
        // At most 8 labels fit under a half-width panel without touching.
        int stride = Math.Max(1, (int)Math.Ceiling((hi - lo) / 8));
        var ticks = new List<(double, string)>();
        for (double e = lo; e <= hi; e += stride)
        {
            ticks.Add((Math.Pow(2, e), FormatBytes(Math.Pow(2, e))));
        }

        return new PlotAxis(label, Log: true, Math.Pow(2, lo), Math.Pow(2, hi), ticks);
    }

    /// <summary>A log axis of durations given in microseconds, with ticks at every decade labelled in µs, ms or s.</summary>
    public static PlotAxis Microseconds(string label, double min, double max)
    {
        double lo = Math.Floor(Math.Log10(min > 0 ? min : 1));
        double hi = Math.Max(lo + 1, Math.Ceiling(Math.Log10(max > 0 ? max : 10)));
        var ticks = new List<(double, string)>();
        for (double e = lo; e <= hi; e++)
        {
            ticks.Add((Math.Pow(10, e), FormatMicroseconds(Math.Pow(10, e))));
        }

        return new PlotAxis(label, Log: true, Math.Pow(10, lo), Math.Pow(10, hi), ticks);
    }

    /// <summary>A byte count with a binary unit: 8 B, 1 KiB, 64 MiB, 8 GiB.</summary>
    public static string FormatBytes(double bytes) => bytes switch
    {
        >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 40):G3} TiB"),
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):G3} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):G3} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 10):G3} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:G3} B"),
    };

    private static string FormatMicroseconds(double us) => us switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{us / 1e6:G3} s"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{us / 1e3:G3} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{us:G3} µs"),
    };
}
