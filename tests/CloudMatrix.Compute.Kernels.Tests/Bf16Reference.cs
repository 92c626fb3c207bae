namespace CloudMatrix.Compute.Kernels.Tests;

/// <summary>
/// An independent model of IEEE round-to-nearest-even into bfloat16, written from the definition with double
/// arithmetic (scale to an integer count of ulps, split integer and fraction, break ties explicitly) rather than with
/// the bit tricks of the implementation. Results are values (double), not bit patterns.
/// </summary>
internal static class Bf16Reference
{
    /// <summary>Largest finite bfloat16, (2 - 2^-7) x 2^127.</summary>
    public static readonly double MaxFinite = (2 - Math.ScaleB(1, -7)) * Math.ScaleB(1, 127);

    /// <summary>The correctly rounded bfloat16 value of a finite or infinite <paramref name="x"/> (not NaN).</summary>
    public static double Round(double x)
    {
        if (double.IsInfinity(x) || x == 0)
        {
            return x;
        }

        double magnitude = Math.Abs(x);
        // bfloat16 has 8 significant bits; below 2^-126 the spacing stays 2^-133 (subnormals).
        int exponent = Math.Max(Math.ILogB(magnitude), -126);
        double ulp = Math.ScaleB(1, exponent - 7);
        double ulps = magnitude / ulp;           // exact: division by a power of two
        double whole = Math.Floor(ulps);
        double fraction = ulps - whole;           // exact
        if (fraction > 0.5 || (fraction == 0.5 && Math.IEEERemainder(whole, 2) != 0))
        {
            whole += 1;
        }

        double rounded = whole * ulp;
        if (rounded > MaxFinite)
        {
            rounded = double.PositiveInfinity;
        }

        return Math.CopySign(rounded, x);
    }
}
