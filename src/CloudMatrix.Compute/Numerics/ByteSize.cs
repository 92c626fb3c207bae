using System.Globalization;

namespace CloudMatrix.Compute.Numerics;

/// <summary>
/// The one byte formatter of the library and of <c>cmx</c>: memory needs, traffic and message sizes in reports, errors
/// and tables. Decimal units (kB, MB, GB, TB, powers of 1000) for memory and traffic, as HBM capacities are quoted;
/// binary units (KiB, MiB, GiB, TiB, powers of 1024) for message sizes, which nccl-tests sweeps in powers of two.
/// Always invariant culture.
/// </summary>
public static class ByteSize
{
    /// <summary>
    /// A byte count in decimal units: <c>512 B</c>, <c>1.5 kB</c>, <c>268.44 MB</c>, <c>96.00 GB</c>, <c>1.20 TB</c>
    /// (two decimals from MB up, one for kB, none for bytes).
    /// </summary>
    /// <param name="bytes">The count in bytes (may be fractional, e.g. an average).</param>
    /// <returns>The count with its unit.</returns>
    public static string Format(double bytes) => Math.Abs(bytes) switch
    {
        >= 1e12 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e12:F2} TB"),
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:F2} GB"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F2} MB"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:F1} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:F0} B"),
    };

    /// <summary>
    /// A byte count in binary units with three significant digits: <c>8 B</c>, <c>1 KiB</c>, <c>64 MiB</c>,
    /// <c>8 GiB</c>, <c>1.5 TiB</c>.
    /// </summary>
    /// <param name="bytes">The count in bytes.</param>
    /// <returns>The count with its unit.</returns>
    public static string FormatBinary(double bytes) => Math.Abs(bytes) switch
    {
        >= 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 40):G3} TiB"),
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):G3} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):G3} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 10):G3} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:G3} B"),
    };

    /// <summary>
    /// A byte count as memory-budget messages write it: GiB with two decimals and the exact count,
    /// <c>4.00 GiB (4,294,967,296 bytes)</c>; "more than can be counted" when not finite.
    /// </summary>
    /// <param name="bytes">The count in bytes.</param>
    /// <returns>The count in GiB and in bytes.</returns>
    public static string FormatExact(double bytes) => double.IsFinite(bytes)
        ? $"{(bytes / (1L << 30)).ToString("N2", CultureInfo.InvariantCulture)} GiB ({bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes)"
        : "more than can be counted";

    /// <summary>
    /// Parses a byte count as nccl-tests' <c>-b</c>/<c>-e</c> take it: a whole number with an optional binary suffix
    /// K (2^10), M (2^20) or G (2^30), any case, optionally followed by B or iB (<c>8</c>, <c>1K</c>, <c>64M</c>,
    /// <c>8G</c>, <c>64MiB</c>, <c>512b</c>).
    /// </summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="bytes">The count in bytes when the text is of that form; 0 otherwise.</param>
    /// <returns>Whether <paramref name="text"/> is of that form and at most <see cref="long.MaxValue"/> bytes.</returns>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (text is null) return false;
        string v = text.Trim().ToUpperInvariant();
        if (v.EndsWith("IB", StringComparison.Ordinal) && v.Length > 2 && v[^3] is 'K' or 'M' or 'G') v = v[..^2];
        else if (v.EndsWith('B')) v = v[..^1];
        int shift = v.Length > 0 ? v[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 } : 0;
        if (shift > 0) v = v[..^1];
        if (v.Length == 0 || v.Length > 19 || !v.All(char.IsAsciiDigit)
            || !long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number > long.MaxValue >> shift)
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }
}
