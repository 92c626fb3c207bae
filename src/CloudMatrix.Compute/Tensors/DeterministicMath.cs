namespace CloudMatrix.Compute.Tensors;

/// <summary>
/// Elementary functions built only from IEEE 754 basic operations (+, -, *, /, sqrt), which are correctly rounded
/// everywhere; <see cref="Math.Log(double)"/> calls the platform's libm, whose last bit may differ between machines.
/// Used where a result must be bit-identical on every machine (seeded random tensors).
/// </summary>
internal static class DeterministicMath
{
    private const double Ln2 = 0.6931471805599453; // nearest double to ln 2
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>Natural logarithm of a positive normal double, accurate to a few ulps.</summary>
    public static double Log(double x)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        double mantissa = BitConverter.UInt64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFUL) | 0x3FF0_0000_0000_0000UL);
        if (mantissa > Sqrt2)
        {
            mantissa *= 0.5;
            exponent++;
        }

        // ln m = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...), z = (m-1)/(m+1), |z| <= 0.1716 so z^2 <= 0.0295 and
        // twelve terms reach below 2^-56.
        double z = (mantissa - 1) / (mantissa + 1);
        double z2 = z * z;
        double series = 1.0 / 25;
        for (int k = 11; k >= 0; k--)
        {
            series = (1.0 / ((2 * k) + 1)) + (z2 * series);
        }

        return (exponent * Ln2) + (2 * z * series);
    }
}
