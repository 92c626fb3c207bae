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
/// <remarks>
/// The loops are compiled fully optimized on first call (<see cref="MethodImplOptions.AggressiveOptimization"/>):
/// under tiered compilation a GEMM of a few milliseconds runs them as tier-0 code, which does not inline the vector
/// helpers; packing a 512 x 512 block of A took 0.137 ms that way against 0.015 ms optimized (Zen 4, one thread).
/// </remarks>
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackContiguousSteps(ushort* src, nint laneStride, int count, int kc, int width, float* dst)
    {
        uint* d = (uint*)dst;
        int done = 0;
        if (width == 12 && count == 12 && Avx512F.IsSupported)
        {
            // 16 steps of 12 lanes at a time: widen each lane's run, then transpose in registers.
            for (; done + 16 <= kc; done += 16)
            {
                Transpose12x16(
                    Widen16(src, done), Widen16(src + laneStride, done), Widen16(src + (2 * laneStride), done),
                    Widen16(src + (3 * laneStride), done), Widen16(src + (4 * laneStride), done), Widen16(src + (5 * laneStride), done),
                    Widen16(src + (6 * laneStride), done), Widen16(src + (7 * laneStride), done), Widen16(src + (8 * laneStride), done),
                    Widen16(src + (9 * laneStride), done), Widen16(src + (10 * laneStride), done), Widen16(src + (11 * laneStride), done),
                    d + (done * 12));
            }
        }

        for (int t = 0; t < count; t++)
        {
            ushort* s = src + (t * laneStride);
            uint* dt = d + t;
            int p = done;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackPairs(ushort* src, nint stepStride, nint laneStride, int lanes, int kc, int width, int edgeWidth, uint* dst)
    {
        if (laneStride == 1 && width % 16 == 0 && Avx512F.IsSupported)
        {
            PackPairsByRows(src, stepStride, lanes, kc, width, edgeWidth, dst);
            return;
        }

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

    /// <summary>
    /// Lanes adjacent in memory, all panels at once: each pair of source rows is read once, front to back, and spread
    /// over the panels. Walking one panel at a time instead reads 64 bytes from every row, a new page every pair, and
    /// runs at the speed of page walks (measured on a 2-vCPU Zen 4 guest, 4096 x 1024 block: 3.5 GB/s of traffic that
    /// way, 18.6 this way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPairsByRows(ushort* src, nint stepStride, int lanes, int kc, int width, int edgeWidth, uint* dst)
    {
        int pairs = (kc + 1) >> 1;
        int fullPanels = lanes / width;
        int rest = lanes - (fullPanels * width);
        int lastWidth = rest <= edgeWidth ? edgeWidth : width;
        nint panelWords = (nint)pairs * width;
        uint* lastPanel = dst + (fullPanels * panelWords);
        nint rowBytes = (nint)lanes * sizeof(ushort);
        for (int q = 0; q < pairs; q++)
        {
            ushort* even = src + (2 * q * stepStride);
            ushort* odd = even + stepStride;
            bool hasOdd = (2 * q) + 1 < kc;
            uint* d = dst + (q * width);
            if (PrefetchPairsAhead > 0 && 2 * (q + PrefetchPairsAhead) + 1 < kc)
            {
                // The two source rows PrefetchPairsAhead pairs on, into the second-level cache: the rows come from
                // memory (a caller's B, read once per panel), and the hardware prefetcher alone leaves this loop
                // waiting on them.
                byte* ahead = (byte*)(even + (2 * PrefetchPairsAhead * stepStride));
                for (nint offset = 0; offset < rowBytes; offset += 64)
                {
                    Sse.Prefetch1(ahead + offset);
                    Sse.Prefetch1(ahead + (stepStride * sizeof(ushort)) + offset);
                }
            }

            for (int panel = 0; panel < fullPanels; panel++, d += panelWords, even += width, odd += width)
            {
                for (int t = 0; t < width; t += 16)
                {
                    Vector512<uint> low = Avx512F.ConvertToVector512UInt32(Vector256.Load(even + t));
                    Vector512<uint> high = hasOdd ? Avx512F.ConvertToVector512UInt32(Vector256.Load(odd + t)) : Vector512<uint>.Zero;
                    Vector512.Store(low | Vector512.ShiftLeft(high, 16), d + t);
                }
            }

            if (rest > 0)
            {
                uint* e = lastPanel + (q * lastWidth);
                int t = 0;
                for (; t < rest; t++)
                {
                    e[t] = even[t] | (hasOdd ? (uint)odd[t] << 16 : 0u);
                }

                for (; t < lastWidth; t++)
                {
                    e[t] = 0;
                }
            }
        }
    }

    /// <summary>
    /// Pairs of source rows ahead that <see cref="PackPairsByRows"/> prefetches (0: none). On a 2-vCPU Zen 4 guest,
    /// 171 x 1024 x 8192 (a 48 x 8 shard of 8192³) packed its B in 1.25 ms with 2 against 2.1-2.3 ms without (same run;
    /// 1 ahead and 4 ahead measured the same, 8-64 a little slower, the first-level cache or a non-temporal hint slower
    /// than none). Prefetching the A block's lanes the same way (1024 x 171 x 8192) gained nothing measurable, so the
    /// transposing packer does not. The tuning sweep sets it to compare.
    /// </summary>
    internal static int PrefetchPairsAhead { get; set; } = 2;

    /// <summary>Lanes adjacent in memory: two rows of steps are interleaved 16 lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPairsContiguousSteps(ushort* src, nint laneStride, int count, int kc, int width, uint* dst)
    {
        int fullPairs = kc >> 1;
        int done = 0;
        if (width == 12 && count == 12 && Avx512F.IsSupported)
        {
            // 16 pairs of 12 lanes at a time: one 64-byte load per lane, then a transpose in registers.
            for (; done + 16 <= fullPairs; done += 16)
            {
                Transpose12x16(
                    Load16(src, done), Load16(src + laneStride, done), Load16(src + (2 * laneStride), done),
                    Load16(src + (3 * laneStride), done), Load16(src + (4 * laneStride), done), Load16(src + (5 * laneStride), done),
                    Load16(src + (6 * laneStride), done), Load16(src + (7 * laneStride), done), Load16(src + (8 * laneStride), done),
                    Load16(src + (9 * laneStride), done), Load16(src + (10 * laneStride), done), Load16(src + (11 * laneStride), done),
                    dst + (done * 12));
            }
        }

        for (int t = 0; t < count; t++)
        {
            ushort* s = src + (t * laneStride);
            uint* dt = dst + t;
            int q = done;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Widen16(ushort* lane, int step) =>
        Vector512.ShiftLeft(Avx512F.ConvertToVector512UInt32(Vector256.Load(lane + step)), 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Load16(ushort* lane, int pair) => Vector512.Load((uint*)lane + pair);

    /// <summary>
    /// Writes 12 lanes x 16 steps (lane t in <c>rt</c>, step j in element j) as 16 groups of 12 words, step-major:
    /// <c>dst[j * 12 + t] = rt[j]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose12x16(
        Vector512<uint> r0, Vector512<uint> r1, Vector512<uint> r2, Vector512<uint> r3,
        Vector512<uint> r4, Vector512<uint> r5, Vector512<uint> r6, Vector512<uint> r7,
        Vector512<uint> r8, Vector512<uint> r9, Vector512<uint> r10, Vector512<uint> r11, uint* dst)
    {
        Transpose4x16(r0, r1, r2, r3, dst);
        Transpose4x16(r4, r5, r6, r7, dst + 4);
        Transpose4x16(r8, r9, r10, r11, dst + 8);
    }

    /// <summary>
    /// Four lanes of 16 steps: after two unpack stages, 128-bit block L of <c>uj</c> holds the four lanes at step
    /// 4L + j; each block is stored at the start of that step's group of 12 words.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x16(Vector512<uint> r0, Vector512<uint> r1, Vector512<uint> r2, Vector512<uint> r3, uint* dst)
    {
        Vector512<ulong> t0 = Avx512F.UnpackLow(r0, r1).AsUInt64();
        Vector512<ulong> t1 = Avx512F.UnpackHigh(r0, r1).AsUInt64();
        Vector512<ulong> t2 = Avx512F.UnpackLow(r2, r3).AsUInt64();
        Vector512<ulong> t3 = Avx512F.UnpackHigh(r2, r3).AsUInt64();
        Vector512<uint> u0 = Avx512F.UnpackLow(t0, t2).AsUInt32();
        Vector512<uint> u1 = Avx512F.UnpackHigh(t0, t2).AsUInt32();
        Vector512<uint> u2 = Avx512F.UnpackLow(t1, t3).AsUInt32();
        Vector512<uint> u3 = Avx512F.UnpackHigh(t1, t3).AsUInt32();
        StoreBlocks(u0, dst);
        StoreBlocks(u1, dst + 12);
        StoreBlocks(u2, dst + 24);
        StoreBlocks(u3, dst + 36);
    }

    /// <summary>Stores 128-bit block L of <paramref name="u"/> at <c>dst + 48 L</c> (four steps further on).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(Vector512<uint> u, uint* dst)
    {
        Vector512.GetLower(u).GetLower().Store(dst);
        Vector512.GetLower(u).GetUpper().Store(dst + 48);
        Vector512.GetUpper(u).GetLower().Store(dst + 96);
        Vector512.GetUpper(u).GetUpper().Store(dst + 144);
    }

    /// <summary>Widens <paramref name="count"/> bfloat16 values to floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Widen(ushort* src, float* dst, int count) =>
        CloudMatrix.Compute.Numerics.BFloat16Convert.ToSingle(new ReadOnlySpan<ushort>(src, count), new Span<float>(dst, count));
}
