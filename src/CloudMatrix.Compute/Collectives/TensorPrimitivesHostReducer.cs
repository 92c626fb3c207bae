using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Collectives;

/// <summary>Host implementation of <see cref="IHostReducer"/>: TensorPrimitives for sums, vector rounding for BF16.</summary>
internal sealed class TensorPrimitivesHostReducer : IHostReducer
{
    public static TensorPrimitivesHostReducer Instance { get; } = new();

    public void Add(ReadOnlySpan<float> addend, Span<float> accumulator) => TensorPrimitives.Add(accumulator, addend, accumulator);

    public void RoundToBFloat16(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"destination has {destination.Length} elements but source has {source.Length}.", nameof(destination));
        }

        // Round in 32-bit lanes: keep the upper half after round-to-nearest-even, exactly as BFloat16's conversion.
        ReadOnlySpan<uint> src = MemoryMarshal.Cast<float, uint>(source);
        Span<uint> dst = MemoryMarshal.Cast<float, uint>(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= src.Length; i += 16)
            {
                Round(Vector512.Create(src.Slice(i, 16))).CopyTo(dst.Slice(i, 16));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= src.Length; i += 8)
            {
                Round(Vector256.Create(src.Slice(i, 8))).CopyTo(dst.Slice(i, 8));
            }
        }

        for (; i < src.Length; i++)
        {
            dst[i] = (uint)BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(src[i])).ToBits() << 16;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Round(Vector512<uint> bits)
    {
        Vector512<uint> isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        Vector512<uint> rounded = (bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One)) & Vector512.Create(0xFFFF_0000u);
        Vector512<uint> quiet = (bits | Vector512.Create(0x0040_0000u)) & Vector512.Create(0xFFFF_0000u);
        return Vector512.ConditionalSelect(isNaN, quiet, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round(Vector256<uint> bits)
    {
        Vector256<uint> isNaN = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        Vector256<uint> rounded = (bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One)) & Vector256.Create(0xFFFF_0000u);
        Vector256<uint> quiet = (bits | Vector256.Create(0x0040_0000u)) & Vector256.Create(0xFFFF_0000u);
        return Vector256.ConditionalSelect(isNaN, quiet, rounded);
    }
}
