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
/// When the destination is at least 4 MiB long, the vector loop writes it with non-temporal (streaming) stores: a
/// result that large would be evicted from the caches before it is read anyway, and bypassing them saves reading each
/// destination line before it is overwritten. The values are the same either way.
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
        fixed (float* src = source)
        fixed (ushort* dst = destination)
        {
            nuint length = (nuint)source.Length;
            int bytes = VectorBytes(maxWidth);
            nuint i = 0;

            // Non-temporal stores need an aligned destination: a scalar head reaches the first aligned element.
            nuint head = bytes == 0 ? 0 : AlignmentHead(dst, bytes, sizeof(ushort));
            if (nonTemporal && bytes != 0 && ((nuint)dst & 1) == 0 && length >= head + ((nuint)bytes / sizeof(ushort)))
            {
                for (; i < head; i++)
                {
                    dst[i] = BFloat16.RoundToBFloat16Bits(BitConverter.SingleToUInt32Bits(src[i]));
                }

                i = bytes == 64 ? NarrowStreaming512(src, dst, i, length)
                    : bytes == 32 ? NarrowStreaming256(src, dst, i, length)
                    : NarrowStreaming128(src, dst, i, length);
                StoreFence();
            }

            // Ordinary stores: the widest vectors first, each narrower width then takes what is left of its size.
            if (bytes >= 64)
            {
                i = Narrow512(src, dst, i, length);
            }

            if (bytes >= 32)
            {
                i = Narrow256(src, dst, i, length);
            }

            if (bytes >= 16)
            {
                i = Narrow128(src, dst, i, length);
            }

            for (; i < length; i++)
            {
                dst[i] = BFloat16.RoundToBFloat16Bits(BitConverter.SingleToUInt32Bits(src[i]));
            }
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
        fixed (ushort* src = source)
        fixed (float* destinationFloats = destination)
        {
            uint* dst = (uint*)destinationFloats;
            nuint length = (nuint)source.Length;
            int bytes = VectorBytes(maxWidth);
            nuint i = 0;

            nuint head = bytes == 0 ? 0 : AlignmentHead(dst, bytes, sizeof(uint));
            if (nonTemporal && bytes != 0 && ((nuint)dst & 3) == 0 && length >= head + (2 * (nuint)bytes / sizeof(uint)))
            {
                for (; i < head; i++)
                {
                    dst[i] = (uint)src[i] << 16;
                }

                i = bytes == 64 ? WidenStreaming512(src, dst, i, length)
                    : bytes == 32 ? WidenStreaming256(src, dst, i, length)
                    : WidenStreaming128(src, dst, i, length);
                StoreFence();
            }

            if (bytes >= 64)
            {
                i = Widen512(src, dst, i, length);
            }

            if (bytes >= 32)
            {
                i = Widen256(src, dst, i, length);
            }

            if (bytes >= 16)
            {
                i = Widen128(src, dst, i, length);
            }

            for (; i < length; i++)
            {
                dst[i] = (uint)src[i] << 16;
            }
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

    /// <summary>The widest usable vector in bytes (64, 32, 16) under <paramref name="maxWidth"/>, or 0.</summary>
    private static int VectorBytes(SimdWidth maxWidth) =>
        maxWidth >= SimdWidth.Vector512 && Vector512.IsHardwareAccelerated ? 64
        : maxWidth >= SimdWidth.Vector256 && Vector256.IsHardwareAccelerated ? 32
        : maxWidth >= SimdWidth.Vector128 && Vector128.IsHardwareAccelerated ? 16
        : 0;

    /// <summary>Elements of <paramref name="elementSize"/> bytes from <paramref name="pointer"/> to the next
    /// <paramref name="alignment"/>-byte boundary.</summary>
    private static unsafe nuint AlignmentHead(void* pointer, int alignment, int elementSize) =>
        (nuint)((alignment - (int)((nuint)pointer & (nuint)(alignment - 1))) & (alignment - 1)) / (nuint)elementSize;

    /// <summary>Orders the weakly ordered non-temporal stores before any later store (x86 SFENCE).</summary>
    private static void StoreFence()
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
    }

    // One small loop per width and store kind, each kept out of line: inlined together into one caller they exceed
    // the JIT's inlining budget, a Round* helper stays a call with spills, and the loop runs about four times slower.
    // Each loop starts at i and returns the first element it did not convert.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint Narrow512(float* src, ushort* dst, nuint i, nuint length)
    {
        for (; i + 32 <= length; i += 32)
        {
            Vector512<uint> lo = Round512(Vector512.Load(src + i).AsUInt32());
            Vector512<uint> hi = Round512(Vector512.Load(src + i + 16).AsUInt32());
            Vector512.Narrow(lo, hi).Store(dst + i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint Narrow256(float* src, ushort* dst, nuint i, nuint length)
    {
        for (; i + 16 <= length; i += 16)
        {
            Vector256<uint> lo = Round256(Vector256.Load(src + i).AsUInt32());
            Vector256<uint> hi = Round256(Vector256.Load(src + i + 8).AsUInt32());
            Vector256.Narrow(lo, hi).Store(dst + i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint Narrow128(float* src, ushort* dst, nuint i, nuint length)
    {
        for (; i + 8 <= length; i += 8)
        {
            Vector128<uint> lo = Round128(Vector128.Load(src + i).AsUInt32());
            Vector128<uint> hi = Round128(Vector128.Load(src + i + 4).AsUInt32());
            Vector128.Narrow(lo, hi).Store(dst + i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint NarrowStreaming512(float* src, ushort* dst, nuint i, nuint length)
    {
        for (; i + 32 <= length; i += 32)
        {
            Vector512<uint> lo = Round512(Vector512.Load(src + i).AsUInt32());
            Vector512<uint> hi = Round512(Vector512.Load(src + i + 16).AsUInt32());
            Vector512.Narrow(lo, hi).StoreAlignedNonTemporal(dst + i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint NarrowStreaming256(float* src, ushort* dst, nuint i, nuint length)
    {
        for (; i + 16 <= length; i += 16)
        {
            Vector256<uint> lo = Round256(Vector256.Load(src + i).AsUInt32());
            Vector256<uint> hi = Round256(Vector256.Load(src + i + 8).AsUInt32());
            Vector256.Narrow(lo, hi).StoreAlignedNonTemporal(dst + i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint NarrowStreaming128(float* src, ushort* dst, nuint i, nuint length)
    {
        for (; i + 8 <= length; i += 8)
        {
            Vector128<uint> lo = Round128(Vector128.Load(src + i).AsUInt32());
            Vector128<uint> hi = Round128(Vector128.Load(src + i + 4).AsUInt32());
            Vector128.Narrow(lo, hi).StoreAlignedNonTemporal(dst + i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint Widen512(ushort* src, uint* dst, nuint i, nuint length)
    {
        for (; i + 32 <= length; i += 32)
        {
            (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.Load(src + i));
            Vector512.ShiftLeft(lo, 16).Store(dst + i);
            Vector512.ShiftLeft(hi, 16).Store(dst + i + 16);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint Widen256(ushort* src, uint* dst, nuint i, nuint length)
    {
        for (; i + 16 <= length; i += 16)
        {
            (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.Load(src + i));
            Vector256.ShiftLeft(lo, 16).Store(dst + i);
            Vector256.ShiftLeft(hi, 16).Store(dst + i + 8);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint Widen128(ushort* src, uint* dst, nuint i, nuint length)
    {
        for (; i + 8 <= length; i += 8)
        {
            (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.Load(src + i));
            Vector128.ShiftLeft(lo, 16).Store(dst + i);
            Vector128.ShiftLeft(hi, 16).Store(dst + i + 4);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint WidenStreaming512(ushort* src, uint* dst, nuint i, nuint length)
    {
        for (; i + 32 <= length; i += 32)
        {
            (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.Load(src + i));
            Vector512.ShiftLeft(lo, 16).StoreAlignedNonTemporal(dst + i);
            Vector512.ShiftLeft(hi, 16).StoreAlignedNonTemporal(dst + i + 16);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint WidenStreaming256(ushort* src, uint* dst, nuint i, nuint length)
    {
        for (; i + 16 <= length; i += 16)
        {
            (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.Load(src + i));
            Vector256.ShiftLeft(lo, 16).StoreAlignedNonTemporal(dst + i);
            Vector256.ShiftLeft(hi, 16).StoreAlignedNonTemporal(dst + i + 8);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe nuint WidenStreaming128(ushort* src, uint* dst, nuint i, nuint length)
    {
        for (; i + 8 <= length; i += 8)
        {
            (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.Load(src + i));
            Vector128.ShiftLeft(lo, 16).StoreAlignedNonTemporal(dst + i);
            Vector128.ShiftLeft(hi, 16).StoreAlignedNonTemporal(dst + i + 4);
        }

        return i;
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
