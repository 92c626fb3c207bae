using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Reduce;

/// <summary>
/// Element-wise sum of N equal-length buffers into a destination on the CPU (SIMD through
/// <see cref="TensorPrimitives"/>): the reduction step of the collectives.
/// </summary>
/// <remarks>
/// <para>Order: element <c>i</c> of the result is <c>((s0[i] + s1[i]) + s2[i]) + ... + s(N-1)[i]</c>, left to right
/// in the order of <c>sources</c>, each addition rounded to FP32. The order is fixed, so the result is deterministic
/// and the same, bit for bit, as the compute backends' reduce on any device.</para>
/// <para>bfloat16: each input is widened to FP32 exactly, the sum is kept in FP32, and the result is rounded to
/// nearest even once on store (a single buffer therefore comes back unchanged, except that a signalling NaN comes
/// out quiet). FP32 with a single buffer is a plain copy.</para>
/// <para>NaN and infinities propagate as IEEE addition says (+inf + -inf is NaN). The destination may be one of the
/// sources (same start, in place); any other overlap is refused.</para>
/// </remarks>
public static class BufferSum
{
    // Elements summed per pass: two 8 KiB stack buffers stay in L1 while every source streams through once.
    private const int BlockElements = 2048;

    // The streaming bfloat16 sum: at most this many sources (one pointer each on the stack), and enough elements
    // that pinning them costs nothing in comparison.
    private const int MaxStreams = 256;
    private const int StreamingMinElements = 4096;

    /// <summary>Sums FP32 buffers: <c>destination[i] = sources[0][i] + ... + sources[N-1][i]</c> in that order.</summary>
    /// <param name="sources">The N &gt;= 1 buffers, each exactly <c>destination.Length</c> long.</param>
    /// <param name="destination">Receives the sum; may be one of the sources.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sources"/> is null.</exception>
    /// <exception cref="ArgumentException">No sources, a length differs from the destination's, or a source
    /// partially overlaps the destination.</exception>
    public static void Sum(IReadOnlyList<ReadOnlyMemory<float>> sources, Span<float> destination)
    {
        Validate(sources, destination);
        Span<float> block = stackalloc float[BlockElements];
        for (int start = 0; start < destination.Length; start += BlockElements)
        {
            int count = Math.Min(BlockElements, destination.Length - start);
            Span<float> sum = block[..count];
            if (sources.Count == 1)
            {
                sources[0].Span.Slice(start, count).CopyTo(sum);
            }
            else
            {
                TensorPrimitives.Add(sources[0].Span.Slice(start, count), sources[1].Span.Slice(start, count), sum);
                for (int s = 2; s < sources.Count; s++)
                {
                    TensorPrimitives.Add(sum, sources[s].Span.Slice(start, count), sum);
                }
            }

            sum.CopyTo(destination.Slice(start, count));
        }
    }

    /// <summary>
    /// Sums bfloat16 buffers in FP32 (see the type's remarks for the order) and rounds each element once to nearest
    /// even on store.
    /// </summary>
    /// <param name="sources">The N &gt;= 1 buffers, each exactly <c>destination.Length</c> long.</param>
    /// <param name="destination">Receives the rounded sum; may be one of the sources.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sources"/> is null.</exception>
    /// <exception cref="ArgumentException">No sources, a length differs from the destination's, or a source
    /// partially overlaps the destination.</exception>
    public static void Sum(IReadOnlyList<ReadOnlyMemory<BFloat16>> sources, Span<BFloat16> destination)
    {
        Validate(sources, destination);
        if (Avx512F.IsSupported && sources.Count > 1 && sources.Count <= MaxStreams && destination.Length >= StreamingMinElements)
        {
            SumStreams(sources, destination);
            return;
        }

        Span<float> block = stackalloc float[BlockElements];
        for (int start = 0; start < destination.Length; start += BlockElements)
        {
            int count = Math.Min(BlockElements, destination.Length - start);
            Span<float> sum = block[..count];
            BFloat16Convert.ToSingle(sources[0].Span.Slice(start, count), sum);
            for (int s = 1; s < sources.Count; s++)
            {
                AddWidened(sources[s].Span.Slice(start, count), sum);
            }

            BFloat16Convert.ToBFloat16(sum, destination.Slice(start, count));
        }
    }

    /// <summary>
    /// The bfloat16 sum with every source read at once, 16 elements of each in turn: N sequential streams that the
    /// hardware prefetchers follow, instead of N short runs per block, each on a page of its own (where the
    /// prefetchers stop). Same order per element, so the same bits.
    /// </summary>
    private static unsafe void SumStreams(IReadOnlyList<ReadOnlyMemory<BFloat16>> sources, Span<BFloat16> destination)
    {
        int n = sources.Count;
        MemoryHandle[] handles = ArrayPool<MemoryHandle>.Shared.Rent(n);
        ushort** pointers = stackalloc ushort*[n];
        try
        {
            for (int s = 0; s < n; s++)
            {
                handles[s] = sources[s].Pin();
                pointers[s] = (ushort*)handles[s].Pointer;
            }

            float* block = stackalloc float[BlockElements];
            for (int start = 0; start < destination.Length; start += BlockElements)
            {
                int count = Math.Min(BlockElements, destination.Length - start);
                SumBlock(pointers, n, start, count, block);
                BFloat16Convert.ToBFloat16(new ReadOnlySpan<float>(block, count), destination.Slice(start, count));
            }
        }
        finally
        {
            for (int s = 0; s < n; s++)
            {
                handles[s].Dispose();
            }

            Array.Clear(handles, 0, n);
            ArrayPool<MemoryHandle>.Shared.Return(handles);
        }
    }

    /// <summary><c>block[i] = ((s0[start + i] + s1[start + i]) + ...)</c> in FP32 over <paramref name="count"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SumBlock(ushort** sources, int n, int start, int count, float* block)
    {
        int i = 0;
        for (; i + 16 <= count; i += 16)
        {
            Vector512<float> sum = Widen16(sources[0] + start + i);
            for (int s = 1; s < n; s++)
            {
                sum += Widen16(sources[s] + start + i);
            }

            sum.Store(block + i);
        }

        for (; i < count; i++)
        {
            float sum = BitConverter.UInt32BitsToSingle((uint)sources[0][start + i] << 16);
            for (int s = 1; s < n; s++)
            {
                sum += BitConverter.UInt32BitsToSingle((uint)sources[s][start + i] << 16);
            }

            block[i] = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Widen16(ushort* values) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(Vector256.Load(values)), 16).AsSingle();

    /// <summary><c>sum[i] += widen(term[i])</c>: widening and adding in one pass over the block.</summary>
    private static void AddWidened(ReadOnlySpan<BFloat16> term, Span<float> sum)
    {
        ref ushort src = ref Unsafe.As<BFloat16, ushort>(ref MemoryMarshal.GetReference(term));
        ref float dst = ref MemoryMarshal.GetReference(sum);
        nuint length = (nuint)term.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 32 <= length; i += 32)
            {
                (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, i));
                (Vector512.LoadUnsafe(ref dst, i) + Vector512.ShiftLeft(lo, 16).AsSingle()).StoreUnsafe(ref dst, i);
                (Vector512.LoadUnsafe(ref dst, i + 16) + Vector512.ShiftLeft(hi, 16).AsSingle()).StoreUnsafe(ref dst, i + 16);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
            {
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, i));
                (Vector256.LoadUnsafe(ref dst, i) + Vector256.ShiftLeft(lo, 16).AsSingle()).StoreUnsafe(ref dst, i);
                (Vector256.LoadUnsafe(ref dst, i + 8) + Vector256.ShiftLeft(hi, 16).AsSingle()).StoreUnsafe(ref dst, i + 8);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref dst, i) += BitConverter.UInt32BitsToSingle((uint)Unsafe.Add(ref src, i) << 16);
        }
    }

    private static void Validate<T>(IReadOnlyList<ReadOnlyMemory<T>> sources, Span<T> destination)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0)
        {
            throw new ArgumentException("sources is empty; a sum needs at least one buffer.", nameof(sources));
        }

        for (int s = 0; s < sources.Count; s++)
        {
            ReadOnlySpan<T> source = sources[s].Span;
            if (source.Length != destination.Length)
            {
                throw new ArgumentException(
                    $"sources[{s}] has {source.Length} elements but destination has {destination.Length}; they must be equal.",
                    nameof(sources));
            }

            if (((ReadOnlySpan<T>)destination).Overlaps(source, out int offset) && offset != 0)
            {
                throw new ArgumentException(
                    $"sources[{s}] overlaps destination at an offset of {offset} elements; a source may only be the destination itself.",
                    nameof(destination));
            }
        }
    }
}
