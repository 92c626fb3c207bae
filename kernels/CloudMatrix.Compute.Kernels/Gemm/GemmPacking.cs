using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// Packs a block of a bfloat16 operand into the FP32 micro-panel layout the microkernels read, widening on the way
/// (bfloat16 to binary32 is exact: the bits move up 16 places). A micro-panel holds <c>width</c> lanes (MR rows of
/// op(A) or NR columns of op(B)) for each of <c>kc</c> steps, lane-fastest; lanes past the edge of the matrix are
/// zero, so the kernels never branch on edges.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs ceil(lanes / width) panels where lane t at step p is <c>src[p * stepStride + t * laneStride]</c>,
    /// panel q starting at lane <c>q * width</c> of <paramref name="lanes"/> lanes in total.
    /// </summary>
    /// <param name="src">Element (step 0, lane 0) of the block.</param>
    /// <param name="stepStride">Elements between consecutive steps (k) of one lane.</param>
    /// <param name="laneStride">Elements between consecutive lanes at one step.</param>
    /// <param name="lanes">Lanes in the block (rows of op(A) or columns of op(B)).</param>
    /// <param name="kc">Steps in the block.</param>
    /// <param name="width">Lanes per micro-panel (MR or NR).</param>
    /// <param name="edgeWidth">Lanes of the last panel when it has at most that many (the kernel's short or narrow tile).</param>
    /// <param name="dst">Destination: ceil(lanes / width) panels of kc * width floats.</param>
    /// <param name="simd">The widest vectors this pack may use.</param>
    internal static void Pack(
        ushort* src, nint stepStride, nint laneStride, int lanes, int kc, int width, int edgeWidth, float* dst, GemmSimdWidth simd)
    {
        int fullWidth = width;
        for (int first = 0; first < lanes; first += fullWidth)
        {
            int count = Math.Min(fullWidth, lanes - first);
            width = count <= edgeWidth ? edgeWidth : fullWidth;
            ushort* panelSrc = src + (first * laneStride);
            if (laneStride == 1)
            {
                PackContiguousLanes(panelSrc, stepStride, count, kc, width, dst, simd);
            }
            else
            {
                PackContiguousSteps(panelSrc, laneStride, count, kc, width, dst);
            }

            dst += (nint)kc * width;
        }
    }

    /// <summary>Lanes adjacent in memory (op(B) not transposed, op(A) transposed): vector loads along the lanes.</summary>
    private static void PackContiguousLanes(ushort* src, nint stepStride, int count, int kc, int width, float* dst, GemmSimdWidth simd)
    {
        if (count == width && simd == GemmSimdWidth.Vector512 && width % 16 == 0)
        {
            for (int p = 0; p < kc; p++)
            {
                ushort* s = src + (p * stepStride);
                float* d = dst + (p * width);
                for (int t = 0; t < width; t += 16)
                {
                    Vector512<uint> wide = Avx512F.ConvertToVector512UInt32(Vector256.Load(s + t));
                    Vector512.Store(Vector512.ShiftLeft(wide, 16).AsSingle(), d + t);
                }
            }

            return;
        }

        if (count == width && simd >= GemmSimdWidth.Vector256 && width % 8 == 0)
        {
            for (int p = 0; p < kc; p++)
            {
                ushort* s = src + (p * stepStride);
                float* d = dst + (p * width);
                for (int t = 0; t < width; t += 8)
                {
                    Vector256<int> wide = Avx2.ConvertToVector256Int32(Vector128.Load(s + t));
                    Vector256.Store(Vector256.ShiftLeft(wide, 16).AsSingle(), d + t);
                }
            }

            return;
        }

        for (int p = 0; p < kc; p++)
        {
            ushort* s = src + (p * stepStride);
            uint* d = (uint*)(dst + (p * width));
            int t = 0;
            for (; t < count; t++)
            {
                d[t] = (uint)s[t] << 16;
            }

            for (; t < width; t++)
            {
                d[t] = 0;
            }
        }
    }

    /// <summary>Steps adjacent in memory (op(A) not transposed, op(B) transposed): each lane is read as a run.</summary>
    private static void PackContiguousSteps(ushort* src, nint laneStride, int count, int kc, int width, float* dst)
    {
        uint* d = (uint*)dst;
        for (int t = 0; t < count; t++)
        {
            ushort* s = src + (t * laneStride);
            uint* dt = d + t;
            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                dt[p * width] = (uint)s[p] << 16;
                dt[(p + 1) * width] = (uint)s[p + 1] << 16;
                dt[(p + 2) * width] = (uint)s[p + 2] << 16;
                dt[(p + 3) * width] = (uint)s[p + 3] << 16;
            }

            for (; p < kc; p++)
            {
                dt[p * width] = (uint)s[p] << 16;
            }
        }

        for (int t = count; t < width; t++)
        {
            for (int p = 0; p < kc; p++)
            {
                d[(p * width) + t] = 0;
            }
        }
    }

    /// <summary>
    /// Packs for the bfloat16-pair kernels: the word of lane t at pair q holds step 2q in its low half and step 2q + 1
    /// in its high half (zero past an odd last step); panels as in <see cref="Pack"/>, with ceil(kc / 2) words per lane.
    /// </summary>
    internal static void PackPairs(ushort* src, nint stepStride, nint laneStride, int lanes, int kc, int width, int edgeWidth, uint* dst)
    {
        int pairs = (kc + 1) >> 1;
        int fullWidth = width;
        for (int first = 0; first < lanes; first += fullWidth)
        {
            int count = Math.Min(fullWidth, lanes - first);
            width = count <= edgeWidth ? edgeWidth : fullWidth;
            ushort* panelSrc = src + (first * laneStride);
            if (laneStride == 1)
            {
                PackPairsContiguousLanes(panelSrc, stepStride, count, kc, width, dst);
            }
            else
            {
                PackPairsContiguousSteps(panelSrc, laneStride, count, kc, width, dst);
            }

            dst += (nint)pairs * width;
        }
    }

    /// <summary>Lanes adjacent in memory: two rows of steps are interleaved 16 lanes at a time.</summary>
    private static void PackPairsContiguousLanes(ushort* src, nint stepStride, int count, int kc, int width, uint* dst)
    {
        int pairs = (kc + 1) >> 1;
        for (int q = 0; q < pairs; q++)
        {
            ushort* even = src + (2 * q * stepStride);
            ushort* odd = even + stepStride;
            bool hasOdd = (2 * q) + 1 < kc;
            uint* d = dst + (q * width);
            int t = 0;
            if (Avx512F.IsSupported && hasOdd)
            {
                for (; t + 16 <= count; t += 16)
                {
                    Vector512<uint> low = Avx512F.ConvertToVector512UInt32(Vector256.Load(even + t));
                    Vector512<uint> high = Avx512F.ConvertToVector512UInt32(Vector256.Load(odd + t));
                    Vector512.Store(low | Vector512.ShiftLeft(high, 16), d + t);
                }
            }

            for (; t < count; t++)
            {
                d[t] = even[t] | (hasOdd ? (uint)odd[t] << 16 : 0u);
            }

            for (; t < width; t++)
            {
                d[t] = 0;
            }
        }
    }

    /// <summary>Steps adjacent in memory: a pair is one unaligned 32-bit read of the lane's run.</summary>
    private static void PackPairsContiguousSteps(ushort* src, nint laneStride, int count, int kc, int width, uint* dst)
    {
        int fullPairs = kc >> 1;
        for (int t = 0; t < count; t++)
        {
            ushort* s = src + (t * laneStride);
            uint* dt = dst + t;
            int q = 0;
            for (; q + 4 <= fullPairs; q += 4)
            {
                dt[q * width] = Unsafe.ReadUnaligned<uint>(s + (2 * q));
                dt[(q + 1) * width] = Unsafe.ReadUnaligned<uint>(s + (2 * q) + 2);
                dt[(q + 2) * width] = Unsafe.ReadUnaligned<uint>(s + (2 * q) + 4);
                dt[(q + 3) * width] = Unsafe.ReadUnaligned<uint>(s + (2 * q) + 6);
            }

            for (; q < fullPairs; q++)
            {
                dt[q * width] = Unsafe.ReadUnaligned<uint>(s + (2 * q));
            }

            if ((kc & 1) != 0)
            {
                dt[fullPairs * width] = s[kc - 1];
            }
        }

        int pairs = (kc + 1) >> 1;
        for (int t = count; t < width; t++)
        {
            for (int q = 0; q < pairs; q++)
            {
                dst[(q * width) + t] = 0;
            }
        }
    }

    /// <summary>Widens <paramref name="count"/> bfloat16 values to floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Widen(ushort* src, float* dst, int count) =>
        CloudMatrix.Compute.Numerics.BFloat16Convert.ToSingle(new ReadOnlySpan<ushort>(src, count), new Span<float>(dst, count));
}
