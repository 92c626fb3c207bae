using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CloudMatrix.Compute.Numerics;

/// <summary>
/// A 16-bit brain floating-point number (bfloat16): 1 sign bit, 8 exponent bits (bias 127) and 7 explicit
/// significand bits, i.e. the upper half of an IEEE 754 binary32. Shaped after <see cref="Half"/> so that a later
/// switch to a framework type is mechanical.
/// </summary>
/// <remarks>
/// Narrowing from <see cref="float"/> or <see cref="double"/> rounds to nearest, ties to even; values beyond
/// <see cref="MaxValue"/> after rounding become infinities; subnormals are kept; -0 stays -0; a NaN stays a quiet NaN
/// of the same sign (its top payload bits are kept and the quiet bit is set). Widening to <see cref="float"/> is exact
/// and implicit here; <see cref="Half"/> makes it explicit, so write <c>(float)x</c> for code that should compile
/// unchanged against a framework bfloat16.
/// Equality and ordering operators follow IEEE 754: NaN is unordered and unequal to everything, +0 equals -0.
/// <see cref="Equals(BFloat16)"/> and <see cref="CompareTo(BFloat16)"/> follow the .NET convention instead
/// (NaN equals NaN and sorts first) so that the type works as a dictionary key and in sorts.
/// </remarks>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Mirrors System.Half's member names.")]
public readonly struct BFloat16 :
    IEquatable<BFloat16>, IComparable<BFloat16>, IComparable,
    ISpanFormattable, ISpanParsable<BFloat16>,
    IEqualityOperators<BFloat16, BFloat16, bool>, IComparisonOperators<BFloat16, BFloat16, bool>,
    IAdditionOperators<BFloat16, BFloat16, BFloat16>, ISubtractionOperators<BFloat16, BFloat16, BFloat16>,
    IMultiplyOperators<BFloat16, BFloat16, BFloat16>, IDivisionOperators<BFloat16, BFloat16, BFloat16>,
    IUnaryNegationOperators<BFloat16, BFloat16>, IUnaryPlusOperators<BFloat16, BFloat16>
{
    internal const ushort SignMask = 0x8000;
    internal const ushort ExponentMask = 0x7F80;
    internal const ushort SignificandMask = 0x007F;
    internal const ushort QuietBit = 0x0040;

    private readonly ushort _bits;

    private BFloat16(ushort bits) => _bits = bits;

    /// <summary>Reinterprets a raw 16-bit pattern as a <see cref="BFloat16"/> (no rounding, no checks).</summary>
    /// <param name="bits">The IEEE bfloat16 bit pattern.</param>
    /// <returns>The value with exactly those bits.</returns>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>The raw 16-bit pattern of this value.</summary>
    /// <returns>The IEEE bfloat16 bit pattern.</returns>
    public ushort ToBits() => _bits;

    /// <summary>The smallest positive value, a subnormal: 2^-133 (about 9.18e-41). Bits 0x0001.</summary>
    public static BFloat16 Epsilon => new(0x0001);

    /// <summary>The largest finite value: (2 - 2^-7) x 2^127 (about 3.39e38). Bits 0x7F7F.</summary>
    public static BFloat16 MaxValue => new(0x7F7F);

    /// <summary>The most negative finite value: -(2 - 2^-7) x 2^127 (about -3.39e38). Bits 0xFF7F.</summary>
    public static BFloat16 MinValue => new(0xFF7F);

    /// <summary>The smallest positive normal value: 2^-126 (about 1.18e-38). Bits 0x0080.</summary>
    public static BFloat16 MinNormal => new(0x0080);

    /// <summary>A quiet NaN; the same bits as <c>(BFloat16)float.NaN</c> (0xFFC0).</summary>
    public static BFloat16 NaN => new(0xFFC0);

    /// <summary>Positive infinity (bits 0x7F80).</summary>
    public static BFloat16 PositiveInfinity => new(0x7F80);

    /// <summary>Negative infinity (bits 0xFF80).</summary>
    public static BFloat16 NegativeInfinity => new(0xFF80);

    /// <summary>Positive zero (bits 0x0000).</summary>
    public static BFloat16 Zero => new(0x0000);

    /// <summary>Negative zero (bits 0x8000).</summary>
    public static BFloat16 NegativeZero => new(0x8000);

    /// <summary>One (bits 0x3F80).</summary>
    public static BFloat16 One => new(0x3F80);

    /// <summary>Whether <paramref name="value"/> is a NaN.</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> for any NaN bit pattern.</returns>
    public static bool IsNaN(BFloat16 value) => (value._bits & 0x7FFF) > ExponentMask;

    /// <summary>Whether <paramref name="value"/> is positive or negative infinity.</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> for either infinity.</returns>
    public static bool IsInfinity(BFloat16 value) => (value._bits & 0x7FFF) == ExponentMask;

    /// <summary>Whether <paramref name="value"/> is positive infinity.</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> for +infinity.</returns>
    public static bool IsPositiveInfinity(BFloat16 value) => value._bits == 0x7F80;

    /// <summary>Whether <paramref name="value"/> is negative infinity.</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> for -infinity.</returns>
    public static bool IsNegativeInfinity(BFloat16 value) => value._bits == 0xFF80;

    /// <summary>Whether <paramref name="value"/> is finite (zero, subnormal or normal).</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> unless NaN or infinite.</returns>
    public static bool IsFinite(BFloat16 value) => (value._bits & 0x7FFF) < ExponentMask;

    /// <summary>Whether the sign bit of <paramref name="value"/> is set (true for -0 and negative NaNs).</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> when the sign bit is set.</returns>
    public static bool IsNegative(BFloat16 value) => (value._bits & SignMask) != 0;

    /// <summary>Whether <paramref name="value"/> is subnormal (zero exponent, non-zero significand).</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> for subnormals.</returns>
    public static bool IsSubnormal(BFloat16 value) =>
        (value._bits & ExponentMask) == 0 && (value._bits & SignificandMask) != 0;

    /// <summary>Whether <paramref name="value"/> is normal (exponent neither all zeros nor all ones).</summary>
    /// <param name="value">The value to test.</param>
    /// <returns><see langword="true"/> for normal numbers.</returns>
    public static bool IsNormal(BFloat16 value)
    {
        int exponent = value._bits & ExponentMask;
        return exponent != 0 && exponent != ExponentMask;
    }

    /// <summary>
    /// Rounds a binary32 bit pattern to the nearest bfloat16 pattern, ties to even; NaN becomes a quiet NaN of the
    /// same sign. This is the one scalar definition every vector path must match bit for bit.
    /// </summary>
    /// <param name="singleBits">The bits of an IEEE binary32.</param>
    /// <returns>The bfloat16 bits.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ushort RoundToBFloat16Bits(uint singleBits)
    {
        if ((singleBits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((singleBits >> 16) | QuietBit);
        }

        // Adding 0x7FFF plus the lowest kept bit carries into the kept half exactly when the dropped half is above
        // one half ulp, or equal to it with an odd kept half: round to nearest, ties to even. A carry out of the
        // largest finite exponent yields the infinity pattern, as IEEE overflow requires.
        uint lsb = (singleBits >> 16) & 1u;
        return (ushort)((singleBits + 0x7FFFu + lsb) >> 16);
    }

    /// <summary>Narrows a <see cref="float"/>: round to nearest, ties to even (see the type's remarks).</summary>
    /// <param name="value">The value to narrow.</param>
    /// <returns>The nearest bfloat16.</returns>
    public static explicit operator BFloat16(float value) =>
        new(RoundToBFloat16Bits(BitConverter.SingleToUInt32Bits(value)));

    /// <summary>
    /// Narrows a <see cref="double"/> with a single correct rounding (round to nearest, ties to even), not the
    /// double rounding that <c>(BFloat16)(float)value</c> would give.
    /// </summary>
    /// <param name="value">The value to narrow.</param>
    /// <returns>The nearest bfloat16.</returns>
    public static explicit operator BFloat16(double value)
    {
        if (double.IsNaN(value))
        {
            // Keep the sign and the top payload bits, as for float.
            ulong bits = BitConverter.DoubleToUInt64Bits(value);
            return new((ushort)(((bits >> 48) & SignMask) | ExponentMask | QuietBit | ((bits >> 45) & SignificandMask)));
        }

        // Round to odd into binary32 (24 bits >= 8 + 2), then round to nearest even into bfloat16: the composition
        // is a single correct rounding of the double.
        float narrowed = (float)value;
        if ((double)narrowed != value)
        {
            uint bits = BitConverter.SingleToUInt32Bits(narrowed);
            if (Math.Abs((double)narrowed) > Math.Abs(value))
            {
                bits--; // step the magnitude back toward zero: truncation
            }

            narrowed = BitConverter.UInt32BitsToSingle(bits | 1u);
        }

        return (BFloat16)narrowed;
    }

    /// <summary>Widens to <see cref="float"/>; exact for every bit pattern.</summary>
    /// <param name="value">The value to widen.</param>
    /// <returns>The same number as a binary32.</returns>
    public static implicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value._bits << 16);

    /// <summary>Widens to <see cref="double"/>; exact for every bit pattern.</summary>
    /// <param name="value">The value to widen.</param>
    /// <returns>The same number as a binary64.</returns>
    public static implicit operator double(BFloat16 value) => (float)value;

    /// <summary>Widens this value to <see cref="float"/> (exact).</summary>
    /// <returns>The same number as a binary32.</returns>
    public float ToSingle() => this;

    /// <summary>Narrows a <see cref="float"/> with round to nearest, ties to even.</summary>
    /// <param name="value">The value to narrow.</param>
    /// <returns>The nearest bfloat16.</returns>
    public static BFloat16 FromSingle(float value) => (BFloat16)value;

    /// <summary>IEEE equality: false if either is NaN; +0 equals -0.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the two are numerically equal.</returns>
    public static bool operator ==(BFloat16 left, BFloat16 right) => (float)left == (float)right;

    /// <summary>IEEE inequality: true if either is NaN.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether the two are not numerically equal.</returns>
    public static bool operator !=(BFloat16 left, BFloat16 right) => (float)left != (float)right;

    /// <summary>IEEE less-than: false if either is NaN.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether left is less than right.</returns>
    public static bool operator <(BFloat16 left, BFloat16 right) => (float)left < (float)right;

    /// <summary>IEEE greater-than: false if either is NaN.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether left is greater than right.</returns>
    public static bool operator >(BFloat16 left, BFloat16 right) => (float)left > (float)right;

    /// <summary>IEEE less-or-equal: false if either is NaN.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether left is less than or equal to right.</returns>
    public static bool operator <=(BFloat16 left, BFloat16 right) => (float)left <= (float)right;

    /// <summary>IEEE greater-or-equal: false if either is NaN.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>Whether left is greater than or equal to right.</returns>
    public static bool operator >=(BFloat16 left, BFloat16 right) => (float)left >= (float)right;

    /// <summary>Sum computed in binary64 and rounded to bfloat16 (the binary64 sum of two bfloat16 is exact unless
    /// their exponents differ by more than 45, and then the smaller term lies far below half a bfloat16 ulp).</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>The rounded sum.</returns>
    public static BFloat16 operator +(BFloat16 left, BFloat16 right) => (BFloat16)((double)left + right);

    /// <summary>Difference computed in binary64 and rounded once to bfloat16.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>The rounded difference.</returns>
    public static BFloat16 operator -(BFloat16 left, BFloat16 right) => (BFloat16)((double)left - right);

    /// <summary>Product computed in binary64 (exact for two bfloat16) and rounded once to bfloat16.</summary>
    /// <param name="left">Left operand.</param>
    /// <param name="right">Right operand.</param>
    /// <returns>The rounded product.</returns>
    public static BFloat16 operator *(BFloat16 left, BFloat16 right) => (BFloat16)((double)left * right);

    /// <summary>Quotient computed in binary64 and rounded to bfloat16.</summary>
    /// <param name="left">Dividend.</param>
    /// <param name="right">Divisor.</param>
    /// <returns>The rounded quotient.</returns>
    public static BFloat16 operator /(BFloat16 left, BFloat16 right) => (BFloat16)((double)left / right);

    /// <summary>Flips the sign bit (also of zeros and NaNs).</summary>
    /// <param name="value">The operand.</param>
    /// <returns>The negated value.</returns>
    public static BFloat16 operator -(BFloat16 value) => new((ushort)(value._bits ^ SignMask));

    /// <summary>Returns the operand unchanged.</summary>
    /// <param name="value">The operand.</param>
    /// <returns><paramref name="value"/>.</returns>
    public static BFloat16 operator +(BFloat16 value) => value;

    /// <summary>
    /// .NET equality (as <see cref="Half.Equals(Half)"/>): numerically equal, or both NaN. +0 equals -0.
    /// </summary>
    /// <param name="other">The value to compare with.</param>
    /// <returns>Whether the two are equal in that sense.</returns>
    public bool Equals(BFloat16 other) => this == other || (IsNaN(this) && IsNaN(other));

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        if (IsNaN(this))
        {
            return BitConverter.SingleToInt32Bits(float.NaN);
        }

        // +0 and -0 are equal, so they must hash alike.
        return (_bits & 0x7FFF) == 0 ? 0 : _bits;
    }

    /// <summary>
    /// Total order for sorting (as <see cref="float.CompareTo(float)"/>): NaN sorts before every number, and
    /// -0 compares equal to +0.
    /// </summary>
    /// <param name="other">The value to compare with.</param>
    /// <returns>Negative, zero or positive as this sorts before, with or after <paramref name="other"/>.</returns>
    public int CompareTo(BFloat16 other) => ((float)this).CompareTo((float)other);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="obj"/> is neither null nor a <see cref="BFloat16"/>.</exception>
    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        BFloat16 other => CompareTo(other),
        _ => throw new ArgumentException(
            $"Object must be of type BFloat16, but was {obj.GetType().FullName}.", nameof(obj)),
    };

    /// <summary>
    /// The shortest decimal string (invariant culture) that parses back to exactly this value, e.g. "0.1" for the
    /// bfloat16 nearest 0.1; "NaN", "Infinity", "-Infinity" for the specials.
    /// </summary>
    /// <returns>The string.</returns>
    public override string ToString() => ToString(null, CultureInfo.InvariantCulture);

    /// <summary>
    /// Formats the widened <see cref="float"/> with <paramref name="format"/>; a null or empty format gives the
    /// shortest string that round-trips through <see cref="Parse(string, IFormatProvider?)"/>.
    /// </summary>
    /// <param name="format">A standard or custom numeric format string, or null.</param>
    /// <param name="formatProvider">Culture information, or null for the current culture.</param>
    /// <returns>The formatted value.</returns>
    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        float widened = this;
        if (!string.IsNullOrEmpty(format) || !float.IsFinite(widened))
        {
            return widened.ToString(format, formatProvider);
        }

        // bfloat16 carries about 2.4 decimal digits; 4 significant digits always round-trip, and fewer often do.
        for (int digits = 1; digits < 9; digits++)
        {
            string candidate = widened.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), formatProvider);
            // Check with this type's own Parse (one rounding from the decimal), not float's: float parsing
            // followed by narrowing rounds twice and can disagree on a tie.
            if (TryParse(candidate, formatProvider, out BFloat16 back) && back._bits == _bits)
            {
                return candidate;
            }
        }

        return widened.ToString("R", formatProvider);
    }

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        string text = ToString(format.IsEmpty ? null : format.ToString(), provider);
        if (text.Length > destination.Length)
        {
            charsWritten = 0;
            return false;
        }

        text.AsSpan().CopyTo(destination);
        charsWritten = text.Length;
        return true;
    }

    /// <summary>
    /// Parses a decimal number (as <see cref="double.Parse(string, IFormatProvider?)"/> does) and rounds it to the
    /// nearest bfloat16.
    /// </summary>
    /// <param name="s">The text.</param>
    /// <param name="provider">Culture information, or null for the current culture.</param>
    /// <returns>The nearest bfloat16.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not a number.</exception>
    public static BFloat16 Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Parse(s.AsSpan(), provider);
    }

    /// <summary>Parses with the current culture; see <see cref="Parse(string, IFormatProvider?)"/>.</summary>
    /// <param name="s">The text.</param>
    /// <returns>The nearest bfloat16.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not a number.</exception>
    public static BFloat16 Parse(string s) => Parse(s, null);

    /// <summary>Parses a span of characters; see <see cref="Parse(string, IFormatProvider?)"/>.</summary>
    /// <param name="s">The text.</param>
    /// <param name="provider">Culture information, or null for the current culture.</param>
    /// <returns>The nearest bfloat16.</returns>
    /// <exception cref="FormatException"><paramref name="s"/> is not a number.</exception>
    public static BFloat16 Parse(ReadOnlySpan<char> s, IFormatProvider? provider)
    {
        if (!TryParse(s, provider, out BFloat16 result))
        {
            throw new FormatException($"'{s.ToString()}' is not a valid BFloat16 number.");
        }

        return result;
    }

    /// <summary>Tries to parse; see <see cref="Parse(string, IFormatProvider?)"/>.</summary>
    /// <param name="s">The text, or null.</param>
    /// <param name="provider">Culture information, or null for the current culture.</param>
    /// <param name="result">The nearest bfloat16, or zero on failure.</param>
    /// <returns>Whether <paramref name="s"/> was a number.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out BFloat16 result) =>
        TryParse(s.AsSpan(), provider, out result);

    /// <summary>Tries to parse a span; see <see cref="Parse(string, IFormatProvider?)"/>.</summary>
    /// <param name="s">The text.</param>
    /// <param name="provider">Culture information, or null for the current culture.</param>
    /// <param name="result">The nearest bfloat16, or zero on failure.</param>
    /// <returns>Whether <paramref name="s"/> was a number.</returns>
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out BFloat16 result) =>
        TryParse(s, DefaultStyle, provider, out result);

    /// <summary>Tries to parse with the current culture; see <see cref="Parse(string, IFormatProvider?)"/>.</summary>
    /// <param name="s">The text, or null.</param>
    /// <param name="result">The nearest bfloat16, or zero on failure.</param>
    /// <returns>Whether <paramref name="s"/> was a number.</returns>
    public static bool TryParse([NotNullWhen(true)] string? s, out BFloat16 result) => TryParse(s.AsSpan(), null, out result);

    /// <summary>Parses with explicit number styles (as <see cref="double.Parse(string, NumberStyles, IFormatProvider?)"/>)
    /// and rounds once to the nearest bfloat16.</summary>
    /// <param name="s">The text.</param>
    /// <param name="style">Allowed number styles; a floating-point combination (no hexadecimal).</param>
    /// <param name="provider">Culture information, or null for the current culture.</param>
    /// <returns>The nearest bfloat16.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="s"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="style"/> is not a valid floating-point style.</exception>
    /// <exception cref="FormatException"><paramref name="s"/> is not a number in that style.</exception>
    public static BFloat16 Parse(string s, NumberStyles style, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!TryParse(s.AsSpan(), style, provider, out BFloat16 result))
        {
            throw new FormatException($"'{s}' is not a valid BFloat16 number in style {style}.");
        }

        return result;
    }

    /// <summary>Tries to parse with explicit number styles; see <see cref="Parse(string, NumberStyles, IFormatProvider?)"/>.</summary>
    /// <param name="s">The text.</param>
    /// <param name="style">Allowed number styles; a floating-point combination (no hexadecimal).</param>
    /// <param name="provider">Culture information, or null for the current culture.</param>
    /// <param name="result">The nearest bfloat16, or zero on failure.</param>
    /// <returns>Whether <paramref name="s"/> was a number.</returns>
    /// <exception cref="ArgumentException"><paramref name="style"/> is not a valid floating-point style.</exception>
    public static bool TryParse(ReadOnlySpan<char> s, NumberStyles style, IFormatProvider? provider, out BFloat16 result)
    {
        if (double.TryParse(s, style, provider, out double value))
        {
            result = (BFloat16)value;
            return true;
        }

        result = Zero;
        return false;
    }

    private const NumberStyles DefaultStyle = NumberStyles.Float | NumberStyles.AllowThousands;
}
