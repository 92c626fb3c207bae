using System.Globalization;

namespace CloudMatrix.Compute.Memory;

/// <summary>
/// The one memory budget of every entry point that allocates in proportion to its input (a joined system, a torus,
/// a generated flow list, a benchmark's operands): each estimates its need first and calls <see cref="Ensure"/>, so
/// an input too large for the budget is refused with the need and the budget instead of running out of memory.
/// </summary>
/// <remarks>
/// The budget is <see cref="DefaultBytes"/> (or half the memory the runtime may use, when that is less), or the value
/// of the environment variable <see cref="EnvironmentVariable"/>: a byte count with an optional binary suffix
/// <c>K</c>, <c>M</c>, <c>G</c> or <c>T</c> (e.g. <c>16G</c> = 16 x 2^30 bytes).
/// </remarks>
public static class MemoryBudget
{
    /// <summary>The environment variable that sets the budget, e.g. <c>CMX_MEMORY_BUDGET=16G</c>.</summary>
    public const string EnvironmentVariable = "CMX_MEMORY_BUDGET";

    /// <summary>The budget when <see cref="EnvironmentVariable"/> is not set: 4 GiB, bytes.</summary>
    public const long DefaultBytes = 4L << 30;

    /// <summary>The budget in force now, bytes (read from <see cref="EnvironmentVariable"/> on every call).</summary>
    /// <exception cref="ArgumentException">The environment variable is set but is not a positive byte count.</exception>
    public static long Bytes
    {
        get
        {
            string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(text))
            {
                long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                return available > 0 ? Math.Min(DefaultBytes, available / 2) : DefaultBytes;
            }

            return Parse(text) ?? throw new ArgumentException(
                $"{EnvironmentVariable} must be a positive byte count with an optional K, M, G or T suffix (e.g. 16G), was '{text}'.",
                EnvironmentVariable);
        }
    }

    /// <summary>
    /// Refuses work that needs more than the budget: throws when <paramref name="needBytes"/> exceeds
    /// <see cref="Bytes"/>.
    /// </summary>
    /// <param name="needBytes">Estimated bytes the work allocates (a double so that estimates cannot overflow).</param>
    /// <param name="what">What needs the memory, as the user asked for it (e.g. <c>--torus 2000x2000</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="what"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="needBytes"/> is negative.</exception>
    /// <exception cref="MemoryBudgetExceededException"><paramref name="needBytes"/> exceeds the budget (or is not finite).</exception>
    /// <exception cref="ArgumentException">The environment variable is set but is not a positive byte count.</exception>
    public static void Ensure(double needBytes, string what)
    {
        ArgumentNullException.ThrowIfNull(what);
        if (needBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(needBytes), needBytes,
                $"needBytes is {needBytes.ToString(CultureInfo.InvariantCulture)} for {what}; an estimate of memory must be at least 0.");
        }

        long budget = Bytes;
        if (!(needBytes <= budget))
        {
            throw new MemoryBudgetExceededException(what, needBytes, budget);
        }
    }

    /// <summary>A byte count with an optional binary suffix, or null when <paramref name="text"/> is not one.</summary>
    internal static long? Parse(string text)
    {
        string t = text.Trim();
        double scale = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            scale = char.ToUpperInvariant(t[^1]) switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 0,
            };
            t = t[..^1];
        }

        if (scale == 0 || !double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            return null;
        }

        double bytes = value * scale;
        return bytes >= 1 && bytes < long.MaxValue ? (long)bytes : null;
    }
}
