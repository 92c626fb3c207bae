using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CloudMatrix.Compute.Numerics;

/// <summary>
/// Vectorised conversions between spans of <see cref="float"/> and <see cref="BFloat16"/> (Vector512, Vector256 or
/// Vector128 as the hardware allows, then a scalar tail). Every path is bit-identical to the scalar conversion
/// operators of <see cref="BFloat16"/>: round to nearest, ties to even; NaN stays a quiet NaN of the same sign.
/// </summary>
public static class BFloat16Convert
{
    /// <summary>Narrows each element of <paramref name="source"/> to bfloat16 (round to nearest, ties to even).</summary>
    /// <param name="source">Values to narrow.</param>
    /// <param name="destination">Receives the narrowed values; must have exactly <c>source.Length</c> elements.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<BFloat16> destination) =>
        ToBFloat16Bits(source, MemoryMarshal.Cast<BFloat16, ushort>(destination));

    /// <summary>Widens each bfloat16 element of <paramref name="source"/> to <see cref="float"/> (exact).</summary>
    /// <param name="source">Values to widen.</param>
    /// <param name="destination">Receives the widened values; must have exactly <c>source.Length</c> elements.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ToSingle(ReadOnlySpan<BFloat16> source, Span<float> destination) =>
        ToSingle(MemoryMarshal.Cast<BFloat16, ushort>(source), destination);

    /// <summary>Narrows floats to raw bfloat16 bit patterns (the layout kernels use); see <see cref="ToBFloat16(ReadOnlySpan{float}, Span{BFloat16})"/>.</summary>
    /// <param name="source">Values to narrow.</param>
    /// <param name="destination">Receives bfloat16 bits; must have exactly <c>source.Length</c> elements.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ToBFloat16Bits(ReadOnlySpan<float> source, Span<ushort> destination) =>
        ToBFloat16Bits(source, destination, SimdWidth.Vector512);

    /// <summary>Narrowing with vectors no wider than <paramref name="maxWidth"/> (tests force each path with it).</summary>
    internal static void ToBFloat16Bits(ReadOnlySpan<float> source, Span<ushort> destination, SimdWidth maxWidth)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        ref float src = ref MemoryMarshal.GetReference(source);
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;

        if (maxWidth >= SimdWidth.Vector512 && Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= length; i += 32)
            {
                Vector512<uint> lo = Round512(Vector512.LoadUnsafe(ref src, i).AsUInt32());
                Vector512<uint> hi = Round512(Vector512.LoadUnsafe(ref src, i + 16).AsUInt32());
                Vector512.Narrow(lo, hi).StoreUnsafe(ref dst, i);
            }
        }

        if (maxWidth >= SimdWidth.Vector256 && Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
            {
                Vector256<uint> lo = Round256(Vector256.LoadUnsafe(ref src, i).AsUInt32());
                Vector256<uint> hi = Round256(Vector256.LoadUnsafe(ref src, i + 8).AsUInt32());
                Vector256.Narrow(lo, hi).StoreUnsafe(ref dst, i);
            }
        }

        if (maxWidth >= SimdWidth.Vector128 && Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= length; i += 8)
            {
                Vector128<uint> lo = Round128(Vector128.LoadUnsafe(ref src, i).AsUInt32());
                Vector128<uint> hi = Round128(Vector128.LoadUnsafe(ref src, i + 4).AsUInt32());
                Vector128.Narrow(lo, hi).StoreUnsafe(ref dst, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dst, i) = BFloat16.RoundToBFloat16Bits(BitConverter.SingleToUInt32Bits(Unsafe.Add(ref src, i)));
        }
    }

    /// <summary>Widens raw bfloat16 bit patterns to floats (exact).</summary>
    /// <param name="source">bfloat16 bits.</param>
    /// <param name="destination">Receives the widened values; must have exactly <c>source.Length</c> elements.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination) =>
        ToSingle(source, destination, SimdWidth.Vector512);

    /// <summary>Widening with vectors no wider than <paramref name="maxWidth"/> (tests force each path with it).</summary>
    internal static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination, SimdWidth maxWidth)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        nuint length = (nuint)source.Length;
        nuint i = 0;

        if (maxWidth >= SimdWidth.Vector512 && Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= length; i += 32)
            {
                (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, i));
                Vector512.ShiftLeft(lo, 16).StoreUnsafe(ref dst, i);
                Vector512.ShiftLeft(hi, 16).StoreUnsafe(ref dst, i + 16);
            }
        }

        if (maxWidth >= SimdWidth.Vector256 && Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
            {
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, i));
                Vector256.ShiftLeft(lo, 16).StoreUnsafe(ref dst, i);
                Vector256.ShiftLeft(hi, 16).StoreUnsafe(ref dst, i + 8);
            }
        }

        if (maxWidth >= SimdWidth.Vector128 && Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= length; i += 8)
            {
                (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, i));
                Vector128.ShiftLeft(lo, 16).StoreUnsafe(ref dst, i);
                Vector128.ShiftLeft(hi, 16).StoreUnsafe(ref dst, i + 4);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dst, i) = (uint)Unsafe.Add(ref src, i) << 16;
        }
    }

    private static void CheckLengths(int sourceLength, int destinationLength, string destinationName)
    {
        if (sourceLength != destinationLength)
        {
            throw new ArgumentException(
                $"destination has {destinationLength} elements but source has {sourceLength}; they must be equal.",
                destinationName);
        }
    }

    // The three Round* helpers are the vector forms of BFloat16.RoundToBFloat16Bits; keep them in step with it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Round512(Vector512<uint> bits)
    {
        Vector512<uint> isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        Vector512<uint> rounded = (bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One)) >>> 16;
        Vector512<uint> quiet = Vector512.ShiftRightLogical(bits, 16) | Vector512.Create((uint)BFloat16.QuietBit);
        return Vector512.ConditionalSelect(isNaN, quiet, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round256(Vector256<uint> bits)
    {
        Vector256<uint> isNaN = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        Vector256<uint> rounded = (bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One)) >>> 16;
        Vector256<uint> quiet = Vector256.ShiftRightLogical(bits, 16) | Vector256.Create((uint)BFloat16.QuietBit);
        return Vector256.ConditionalSelect(isNaN, quiet, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Round128(Vector128<uint> bits)
    {
        Vector128<uint> isNaN = Vector128.GreaterThan(bits & Vector128.Create(0x7FFF_FFFFu), Vector128.Create(0x7F80_0000u));
        Vector128<uint> rounded = (bits + Vector128.Create(0x7FFFu) + (Vector128.ShiftRightLogical(bits, 16) & Vector128<uint>.One)) >>> 16;
        Vector128<uint> quiet = Vector128.ShiftRightLogical(bits, 16) | Vector128.Create((uint)BFloat16.QuietBit);
        return Vector128.ConditionalSelect(isNaN, quiet, rounded);
    }
}
