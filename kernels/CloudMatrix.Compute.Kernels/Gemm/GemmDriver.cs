using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// The BLIS loop nest around a microkernel, on one thread: jc over NC columns of op(B), pc over KC steps (pack a
/// B panel), ic over MC rows of op(A) (pack an A block), then jr over NR and ir over MR calling the microkernel.
/// Every kernel shares this driver; only <see cref="GemmMicroKernel"/> (tile and block sizes) differs.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>Largest FP32 accumulator a bfloat16-output block may use per thread, in bytes.</summary>
    private const long AccumulatorBudgetBytes = 16L << 20;

    /// <summary>
    /// Computes rows [<paramref name="i0"/>, <paramref name="i1"/>) and columns [<paramref name="j0"/>,
    /// <paramref name="j1"/>) of C for <paramref name="call"/> with <paramref name="kernel"/>.
    /// </summary>
    internal static void Run(in GemmCall call, GemmMicroKernel kernel, int i0, int i1, int j0, int j1, GemmWorkspace workspace)
    {
        int mr = kernel.Mr, nr = kernel.Nr;
        int m = i1 - i0;
        bool bf16 = call.CBFloat16 != null;

        // A bfloat16 C must not be rounded between K blocks: its block of C accumulates in FP32 and is rounded once.
        // Narrowing NC keeps that accumulator within budget.
        int ncMax = kernel.Nc;
        if (bf16)
        {
            long fit = AccumulatorBudgetBytes / (sizeof(float) * (long)m) / nr * nr;
            ncMax = (int)Math.Clamp(fit, nr, kernel.Nc);
        }

        int kcMax = Math.Min(kernel.Kc, call.K);
        // Equal row blocks: a last block of a few rows would stream the whole packed B panel for little work.
        int rowBlocks = (m + kernel.Mc - 1) / kernel.Mc;
        int mcMax = Math.Min(kernel.Mc, RoundUp((m + rowBlocks - 1) / rowBlocks, mr));
        float* packA = workspace.PackA((nint)mcMax * kernel.PackedSteps(kcMax));
        float* packB = workspace.PackB((nint)RoundUp(Math.Min(ncMax, j1 - j0), nr) * kernel.PackedSteps(kcMax));
        float* tile = workspace.Tile;
        GemmSimdWidth simd = kernel.Width;

        // op(A)[i, p] and op(B)[p, j] as (step stride, lane stride) pairs for the packing routine.
        (nint aStep, nint aLane) = call.TransA == GemmTranspose.None ? ((nint)1, call.Lda) : (call.Lda, (nint)1);
        (nint bStep, nint bLane) = call.TransB == GemmTranspose.None ? (call.Ldb, (nint)1) : ((nint)1, call.Ldb);

        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            float* cBlock;
            nint ldc;
            float betaFirst;
            if (bf16)
            {
                cBlock = workspace.Accumulator((nint)m * nc);
                ldc = nc;
                betaFirst = call.Beta;
                if (call.Beta != 0)
                {
                    for (int i = 0; i < m; i++)
                    {
                        GemmPacking.Widen(call.CBFloat16 + ((i0 + i) * call.Ldc) + jc, cBlock + (i * ldc), nc);
                    }
                }
            }
            else
            {
                cBlock = call.C + (i0 * call.Ldc) + jc;
                ldc = call.Ldc;
                betaFirst = call.Beta;
            }

            for (int pc = 0; pc < call.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, call.K - pc);
                float beta = pc == 0 ? betaFirst : 1f;
                int steps = kernel.PackedSteps(kc);
                Pack(kernel, call.B + (pc * bStep) + (jc * bLane), bStep, bLane, nc, kc, nr, kernel.NrNarrow, packB, simd);

                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    Pack(kernel, call.A + (ic * aLane) + (pc * aStep), aStep, aLane, mc, kc, mr, kernel.MrShort, packA, simd);
                    float* cRows = cBlock + ((ic - i0) * ldc);

                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nrCur = Math.Min(nr, nc - jr);
                        bool narrow = nrCur <= kernel.NrNarrow;
                        int tileCols = narrow ? kernel.NrNarrow : nr;
                        float* b = packB + ((nint)jr * steps);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mrCur = Math.Min(mr, mc - ir);
                            bool isShort = mrCur <= kernel.MrShort;
                            float* a = packA + ((nint)ir * steps);
                            float* c = cRows + (ir * ldc) + jr;
                            if (mrCur == (isShort ? kernel.MrShort : mr) && nrCur == tileCols)
                            {
                                kernel.Compute(isShort, narrow, steps, a, b, c, ldc, call.Alpha, beta);
                            }
                            else
                            {
                                kernel.Compute(isShort, narrow, steps, a, b, tile, tileCols, call.Alpha, 0f);
                                MergeEdge(tile, tileCols, c, ldc, mrCur, nrCur, beta);
                            }
                        }
                    }
                }
            }

            if (bf16)
            {
                for (int i = 0; i < m; i++)
                {
                    BFloat16Convert.ToBFloat16Bits(
                        new ReadOnlySpan<float>(cBlock + (i * ldc), nc),
                        new Span<ushort>(call.CBFloat16 + ((i0 + i) * call.Ldc) + jc, nc));
                }
            }
        }
    }

    private static void Pack(
        GemmMicroKernel kernel, ushort* src, nint stepStride, nint laneStride, int lanes, int kc, int width, int edgeWidth,
        float* dst, GemmSimdWidth simd)
    {
        if (kernel.IsNative)
        {
            GemmPacking.PackPairs(src, stepStride, laneStride, lanes, kc, width, edgeWidth, (uint*)dst);
        }
        else
        {
            GemmPacking.Pack(src, stepStride, laneStride, lanes, kc, width, edgeWidth, dst, simd);
        }
    }

    /// <summary>Writes the valid part of an edge tile: C = tile + beta * C (beta 0: C not read).</summary>
    private static void MergeEdge(float* tile, int ldt, float* c, nint ldc, int rows, int cols, float beta)
    {
        for (int i = 0; i < rows; i++)
        {
            float* t = tile + (i * ldt);
            float* ci = c + (i * ldc);
            if (beta == 0)
            {
                for (int j = 0; j < cols; j++)
                {
                    ci[j] = t[j];
                }
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    ci[j] = MathF.FusedMultiplyAdd(beta, ci[j], t[j]);
                }
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
