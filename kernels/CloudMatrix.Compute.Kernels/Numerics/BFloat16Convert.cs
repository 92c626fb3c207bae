using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CloudMatrix.Compute.Numerics;

/// <summary>
/// Vectorised conversions between spans of <see cref="float"/> and <see cref="BFloat16"/> (Vector512, Vector256 or
/// Vector128 as the hardware allows, then a scalar tail). Every path is bit-identical to the scalar conversion
/// operators of <see cref="BFloat16"/>: round to nearest, ties to even; NaN stays a quiet NaN of the same sign.
/// </summary>
/// <remarks>
/// When the destination is at least 4 MiB long, the vector loop writes it with
/// non-temporal (streaming) stores: a result that large would be evicted from the caches before it is read anyway, and
/// bypassing them saves reading each destination line before it is overwritten. The values are the same either way.
/// </remarks>
public static class BFloat16Convert
{
    /// <summary>Destination size in bytes from which the conversions use non-temporal stores (4 MiB).</summary>
    internal const int NonTemporalThresholdBytes = 4 << 20;

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
        ToBFloat16Bits(source, destination, SimdWidth.Vector512,
            nonTemporal: (long)destination.Length * sizeof(ushort) >= NonTemporalThresholdBytes);

    /// <summary>Narrowing with vectors no wider than <paramref name="maxWidth"/>, and non-temporal stores when
    /// <paramref name="nonTemporal"/> (tests force each path with these).</summary>
    internal static unsafe void ToBFloat16Bits(ReadOnlySpan<float> source, Span<ushort> destination, SimdWidth maxWidth, bool nonTemporal)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        ref float src = ref MemoryMarshal.GetReference(source);
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;
        if (nonTemporal)
        {
            fixed (float* pinnedSource = source)
            fixed (ushort* pinnedDestination = destination)
            {
                i = ToBFloat16BitsStreaming(pinnedSource, pinnedDestination, length, maxWidth);
            }
        }

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
        ToSingle(source, destination, SimdWidth.Vector512,
            nonTemporal: (long)destination.Length * sizeof(float) >= NonTemporalThresholdBytes);

    /// <summary>Widening with vectors no wider than <paramref name="maxWidth"/>, and non-temporal stores when
    /// <paramref name="nonTemporal"/> (tests force each path with these).</summary>
    internal static unsafe void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination, SimdWidth maxWidth, bool nonTemporal)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        nuint length = (nuint)source.Length;
        nuint i = 0;
        if (nonTemporal)
        {
            fixed (ushort* pinnedSource = source)
            fixed (float* pinnedDestination = destination)
            {
                i = ToSingleStreaming(pinnedSource, (uint*)pinnedDestination, length, maxWidth);
            }
        }

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

    /// <summary>The widest usable vector in bytes (64, 32, 16) under <paramref name="maxWidth"/>, or 0.</summary>
    private static int VectorBytes(SimdWidth maxWidth) =>
        maxWidth >= SimdWidth.Vector512 && Vector512.IsHardwareAccelerated ? 64
        : maxWidth >= SimdWidth.Vector256 && Vector256.IsHardwareAccelerated ? 32
        : maxWidth >= SimdWidth.Vector128 && Vector128.IsHardwareAccelerated ? 16
        : 0;

    /// <summary>
    /// Narrows a prefix with aligned non-temporal stores: a scalar head up to the first vector-aligned destination
    /// element, then whole vectors. Returns how many elements it converted; the caller finishes the rest.
    /// </summary>
    private static unsafe nuint ToBFloat16BitsStreaming(float* src, ushort* dst, nuint length, SimdWidth maxWidth)
    {
        int bytes = VectorBytes(maxWidth);
        if (bytes == 0 || ((nuint)dst & 1) != 0)
        {
            return 0;
        }

        nuint head = (nuint)((bytes - (int)((nuint)dst & (nuint)(bytes - 1))) & (bytes - 1)) / sizeof(ushort);
        nuint step = (nuint)bytes / sizeof(ushort);
        if (length < head + step)
        {
            return 0;
        }

        nuint i = 0;
        for (; i < head; i++)
        {
            dst[i] = BFloat16.RoundToBFloat16Bits(BitConverter.SingleToUInt32Bits(src[i]));
        }

        if (bytes == 64)
        {
            for (; i + step <= length; i += step)
            {
                Vector512<uint> lo = Round512(Vector512.Load(src + i).AsUInt32());
                Vector512<uint> hi = Round512(Vector512.Load(src + i + 16).AsUInt32());
                Vector512.Narrow(lo, hi).StoreAlignedNonTemporal(dst + i);
            }
        }
        else if (bytes == 32)
        {
            for (; i + step <= length; i += step)
            {
                Vector256<uint> lo = Round256(Vector256.Load(src + i).AsUInt32());
                Vector256<uint> hi = Round256(Vector256.Load(src + i + 8).AsUInt32());
                Vector256.Narrow(lo, hi).StoreAlignedNonTemporal(dst + i);
            }
        }
        else
        {
            for (; i + step <= length; i += step)
            {
                Vector128<uint> lo = Round128(Vector128.Load(src + i).AsUInt32());
                Vector128<uint> hi = Round128(Vector128.Load(src + i + 4).AsUInt32());
                Vector128.Narrow(lo, hi).StoreAlignedNonTemporal(dst + i);
            }
        }

        StoreFence();
        return i;
    }

    /// <summary>Widens a prefix with aligned non-temporal stores; see <see cref="ToBFloat16BitsStreaming"/>.</summary>
    private static unsafe nuint ToSingleStreaming(ushort* src, uint* dst, nuint length, SimdWidth maxWidth)
    {
        int bytes = VectorBytes(maxWidth);
        if (bytes == 0 || ((nuint)dst & 3) != 0)
        {
            return 0;
        }

        nuint head = (nuint)((bytes - (int)((nuint)dst & (nuint)(bytes - 1))) & (bytes - 1)) / sizeof(uint);
        nuint step = 2 * (nuint)bytes / sizeof(uint); // one source vector widens into two destination vectors
        if (length < head + step)
        {
            return 0;
        }

        nuint i = 0;
        for (; i < head; i++)
        {
            dst[i] = (uint)src[i] << 16;
        }

        if (bytes == 64)
        {
            for (; i + step <= length; i += step)
            {
                (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.Load(src + i));
                Vector512.ShiftLeft(lo, 16).StoreAlignedNonTemporal(dst + i);
                Vector512.ShiftLeft(hi, 16).StoreAlignedNonTemporal(dst + i + 16);
            }
        }
        else if (bytes == 32)
        {
            for (; i + step <= length; i += step)
            {
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.Load(src + i));
                Vector256.ShiftLeft(lo, 16).StoreAlignedNonTemporal(dst + i);
                Vector256.ShiftLeft(hi, 16).StoreAlignedNonTemporal(dst + i + 8);
            }
        }
        else
        {
            for (; i + step <= length; i += step)
            {
                (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.Load(src + i));
                Vector128.ShiftLeft(lo, 16).StoreAlignedNonTemporal(dst + i);
                Vector128.ShiftLeft(hi, 16).StoreAlignedNonTemporal(dst + i + 4);
            }
        }

        StoreFence();
        return i;
    }

    /// <summary>Orders the weakly ordered non-temporal stores before any later store (x86 SFENCE).</summary>
    private static void StoreFence()
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.StoreFence();
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
