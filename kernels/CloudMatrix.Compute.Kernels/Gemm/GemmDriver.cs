using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
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

    /// <summary>Deepest K whose C is written with non-temporal stores (see <see cref="StreamsC"/>).</summary>
    internal const int StreamMaxK = 256;

    /// <summary>
    /// Smallest FP32 C (bytes, the whole call) written with non-temporal stores. Below it C may well stay in the
    /// caches for whoever reads it next; above it, C is evicted before that anyway. Tests set it to 0 to reach the
    /// streaming path with small shapes; the tuning sweep sets it to <see cref="long.MaxValue"/> to compare.
    /// </summary>
    internal static long StreamMinBytes { get; set; } = 8L << 20;

    /// <summary>
    /// Whether <paramref name="call"/> writes C with non-temporal stores: an FP32 C that is write-only (beta 0), one
    /// K block deep (each element of C is stored exactly once), K at most <see cref="StreamMaxK"/> (where writing C is
    /// a large part of the memory traffic: 8192 x 1024 x 64 writes 32 MiB of C against 1 MiB of A), rows of C a
    /// multiple of 16 floats apart, and a kernel with streaming tiles. Ordinary stores first read every line of C they
    /// overwrite (read for ownership), doubling that traffic; streaming stores do not, and drain to memory while the
    /// next tiles compute. Only tiles whose rows start on 64-byte lines stream (the driver starts the column blocks of
    /// a misaligned C so that they do); edge tiles store the ordinary way.
    /// </summary>
    internal static bool StreamsC(in GemmCall call, GemmMicroKernel kernel) =>
        call.CBFloat16 == null && call.Beta == 0 && call.K <= Math.Min(kernel.Kc, StreamMaxK) && (call.Ldc & 15) == 0
        && kernel.CanStream && 4L * call.M * call.N >= StreamMinBytes;

    /// <summary>
    /// Computes rows [<paramref name="i0"/>, <paramref name="i1"/>) and columns [<paramref name="j0"/>,
    /// <paramref name="j1"/>) of C for <paramref name="call"/> with <paramref name="kernel"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run(in GemmCall call, GemmMicroKernel kernel, int i0, int i1, int j0, int j1, GemmWorkspace workspace) =>
        Run(call, kernel, i0, i1, j0, j1, workspace, null, 0, 1, i1 - i0, null, null);

    /// <summary>
    /// Floats of all of op(B) packed ahead, block after block in the driver's order (jc outer, pc inner), for a call
    /// with an FP32 C (whose NC does not depend on M); see <see cref="PrepackB"/>.
    /// </summary>
    internal static nint PrepackedFloats(in GemmCall call, GemmMicroKernel kernel)
    {
        int kcMax = Math.Min(kernel.Kc, call.K);
        nint total = 0;
        for (int jc = 0; jc < call.N; jc += kernel.Nc)
        {
            int nc = Math.Min(kernel.Nc, call.N - jc);
            for (int pc = 0; pc < call.K; pc += kcMax)
            {
                total += (nint)RoundUp(nc, kernel.Nr) * kernel.PackedSteps(Math.Min(kcMax, call.K - pc));
            }
        }

        return total;
    }

    /// <summary>Rows of op(A) per packed block for a part of <paramref name="m"/> rows: equal blocks of at most MC, whole tiles.</summary>
    internal static int RowBlock(GemmMicroKernel kernel, int m)
    {
        // Equal row blocks: a last block of a few rows would stream the whole packed B panel for little work.
        int rowBlocks = Math.Max(1, (m + kernel.Mc - 1) / kernel.Mc);
        return Math.Max(kernel.Mr, Math.Min(kernel.Mc, RoundUp((m + rowBlocks - 1) / rowBlocks, kernel.Mr)));
    }

    /// <summary>Floats of all of op(A) packed ahead: for each KC step block, for each row block, one block of the largest size.</summary>
    internal static nint PrepackedAFloats(in GemmCall call, GemmMicroKernel kernel)
    {
        int kcMax = Math.Min(kernel.Kc, call.K);
        int mcMax = RowBlock(kernel, call.M);
        nint steps = (call.K + kcMax - 1) / kcMax;
        return steps * ((call.M + mcMax - 1) / mcMax) * mcMax * kernel.PackedSteps(kcMax);
    }

    /// <summary>Packs all of op(A) of a call into <paramref name="dst"/>, laid out as <see cref="PrepackedAFloats"/> says: batch items that share A then pack it once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PrepackA(in GemmCall call, GemmMicroKernel kernel, float* dst)
    {
        int kcMax = Math.Min(kernel.Kc, call.K);
        int mcMax = RowBlock(kernel, call.M);
        nint blockFloats = (nint)mcMax * kernel.PackedSteps(kcMax);
        (nint aStep, nint aLane) = call.TransA == GemmTranspose.None ? ((nint)1, call.Lda) : (call.Lda, (nint)1);
        for (int pc = 0; pc < call.K; pc += kcMax)
        {
            int kc = Math.Min(kcMax, call.K - pc);
            for (int ic = 0; ic < call.M; ic += mcMax, dst += blockFloats)
            {
                Pack(kernel, call.A + (ic * aLane) + (pc * aStep), aStep, aLane, Math.Min(mcMax, call.M - ic), kc, kernel.Mr,
                    kernel.MrShort, dst, kernel.Width);
            }
        }
    }

    /// <summary>
    /// Packs part <paramref name="part"/> of <paramref name="parts"/> (a slice of the columns of every block) of the
    /// whole op(B) of an FP32-C call into <paramref name="dst"/>, laid out as <see cref="Run(in GemmCall, GemmMicroKernel, int, int, int, int, GemmWorkspace, GemmSharedPanels?, int, int, int, float*, float*)"/>
    /// reads it: batch items that share B then pack it once between them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PrepackB(in GemmCall call, GemmMicroKernel kernel, float* dst, int part, int parts)
    {
        int nr = kernel.Nr;
        int kcMax = Math.Min(kernel.Kc, call.K);
        (nint bStep, nint bLane) = call.TransB == GemmTranspose.None ? (call.Ldb, (nint)1) : ((nint)1, call.Ldb);
        for (int jc = 0; jc < call.N; jc += kernel.Nc)
        {
            int nc = Math.Min(kernel.Nc, call.N - jc);
            (int c0, int c1) = BFloat16Gemm.Slice(nc, nr, parts, part);
            for (int pc = 0; pc < call.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, call.K - pc);
                int steps = kernel.PackedSteps(kc);
                if (c0 < c1)
                {
                    Pack(kernel, call.B + (pc * bStep) + ((jc + c0) * bLane), bStep, bLane, c1 - c0, kc, nr, kernel.NrNarrow,
                        dst + ((nint)c0 * steps), kernel.Width);
                }

                dst += (nint)RoundUp(nc, nr) * steps;
            }
        }
    }

    /// <summary>
    /// As <see cref="Run(in GemmCall, GemmMicroKernel, int, int, int, int, GemmWorkspace)"/>; with
    /// <paramref name="shared"/>, this is part <paramref name="part"/> of <paramref name="parts"/> threads that all
    /// cover columns [<paramref name="j0"/>, <paramref name="j1"/>): each packs its share of every B panel into the
    /// shared buffer, waits for the others, then multiplies its own rows against the whole panel (BLIS: B packed once,
    /// not once per thread). <paramref name="blockRows"/> is the most rows any part has, so that all parts choose the
    /// same NC and meet at the same barriers. With <paramref name="prepackedB"/> (FP32 C, all columns), B is not
    /// packed here: it was, once, by <see cref="PrepackB"/>; likewise A with <paramref name="prepackedA"/> (all rows,
    /// by <see cref="PrepackA"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Run(
        in GemmCall call, GemmMicroKernel kernel, int i0, int i1, int j0, int j1, GemmWorkspace workspace,
        GemmSharedPanels? shared, int part, int parts, int blockRows, float* prepackedB, float* prepackedA)
    {
        int nr = kernel.Nr;
        int m = i1 - i0;
        bool bf16 = call.CBFloat16 != null;

        // A bfloat16 C must not be rounded between K blocks: its block of C accumulates in FP32 and is rounded once.
        // Narrowing NC keeps that accumulator within budget.
        int ncMax = kernel.Nc;
        if (bf16)
        {
            long fit = AccumulatorBudgetBytes / (sizeof(float) * (long)Math.Max(blockRows, 1)) / nr * nr;
            ncMax = (int)Math.Clamp(fit, nr, kernel.Nc);
        }

        int kcMax = Math.Min(kernel.Kc, call.K);
        // Equal row blocks: a last block of a few rows would stream the whole packed B panel for little work.
        int mcMax = RowBlock(kernel, m);
        float* packA = prepackedA is null ? workspace.PackA((nint)mcMax * kernel.PackedSteps(kcMax)) : null;
        nint aBlockFloats = (nint)mcMax * kernel.PackedSteps(kcMax);
        int aBlocksPerStep = (m + mcMax - 1) / mcMax;
        nint panelFloats = (nint)RoundUp(Math.Min(ncMax, j1 - j0), nr) * kernel.PackedSteps(kcMax);
        float* ownB = shared is null && prepackedB is null ? workspace.PackB(panelFloats) : null;
        float* tile = workspace.Tile;
        bool stream = StreamsC(call, kernel);

        // With a streamed C whose rows do not start on a 64-byte line, the columns before the first line boundary
        // run as a block of their own (edge tiles, ordinary stores), so that every later tile starts on a line. All
        // rows share the offset (ldc is a multiple of 16), so all parts of a shared-panel call cut the same blocks.
        int lead = 0;
        if (stream && prepackedB is null && ((nint)call.C & 3) == 0)
        {
            nint first = (nint)(call.C + (i0 * call.Ldc) + j0);
            lead = Math.Min((int)((64 - (first & 63)) & 63) / sizeof(float), j1 - j0);
        }
        (nint bStep, nint bLane) = call.TransB == GemmTranspose.None ? (call.Ldb, (nint)1) : ((nint)1, call.Ldb);
        int round = 0;

        for (int jc = j0, nc; jc < j1; jc += nc)
        {
            nc = jc == j0 && lead > 0 ? lead : Math.Min(ncMax, j1 - jc);
            float* cBlock = BeginBlock(call, workspace, i0, m, jc, nc, out nint ldc);
            for (int pc = 0; pc < call.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, call.K - pc);
                float beta = pc == 0 ? call.Beta : 1f;
                ushort* bSource = call.B + (pc * bStep) + (jc * bLane);
                float* packB;
                if (prepackedB is not null)
                {
                    packB = prepackedB;
                    prepackedB += (nint)RoundUp(nc, nr) * kernel.PackedSteps(kc);
                }
                else if (shared is null)
                {
                    packB = ownB;
                    Pack(kernel, bSource, bStep, bLane, nc, kc, nr, kernel.NrNarrow, packB, kernel.Width);
                }
                else
                {
                    // Two buffers in turn: a part can only be packing round r + 2 once every part has passed the
                    // barrier of round r + 1, that is, finished multiplying round r.
                    packB = shared.Buffer(round++ & 1, panelFloats);
                    (int c0, int c1) = BFloat16Gemm.Slice(nc, nr, parts, part);
                    if (c0 < c1)
                    {
                        Pack(kernel, bSource + (c0 * bLane), bStep, bLane, c1 - c0, kc, nr, kernel.NrNarrow,
                            packB + ((nint)c0 * kernel.PackedSteps(kc)), kernel.Width);
                    }

                    shared.Barrier.SignalAndWait();
                }

                if (m > 0)
                {
                    float* aBlocks = prepackedA is null ? null : prepackedA + (pc / kcMax * aBlocksPerStep * aBlockFloats);
                    MultiplyPanel(call, kernel, i0, i1, mcMax, pc, kc, nc, beta, packA, packB, cBlock, ldc, tile, aBlocks, aBlockFloats, stream);
                }
            }

            EndBlock(call, cBlock, ldc, i0, m, jc, nc);
        }

        if (stream)
        {
            // Streaming stores are weakly ordered: complete them before this part reports its rows of C done.
            Sse.StoreFence();
        }
    }

    /// <summary>The C block the kernels accumulate into: C itself, or for a bfloat16 C an FP32 copy (widened when beta reads it).</summary>
    private static float* BeginBlock(in GemmCall call, GemmWorkspace workspace, int i0, int m, int jc, int nc, out nint ldc)
    {
        if (call.CBFloat16 == null)
        {
            ldc = call.Ldc;
            return call.C + (i0 * call.Ldc) + jc;
        }

        ldc = nc;
        float* block = workspace.Accumulator((nint)Math.Max(m, 1) * nc);
        if (call.Beta != 0)
        {
            for (int i = 0; i < m; i++)
            {
                GemmPacking.Widen(call.CBFloat16 + ((i0 + i) * call.Ldc) + jc, block + (i * nc), nc);
            }
        }

        return block;
    }

    /// <summary>Rounds a bfloat16 C block's FP32 accumulator once into C.</summary>
    private static void EndBlock(in GemmCall call, float* cBlock, nint ldc, int i0, int m, int jc, int nc)
    {
        if (call.CBFloat16 == null)
        {
            return;
        }

        for (int i = 0; i < m; i++)
        {
            BFloat16Convert.ToBFloat16Bits(
                new ReadOnlySpan<float>(cBlock + (i * ldc), nc),
                new Span<ushort>(call.CBFloat16 + ((i0 + i) * call.Ldc) + jc, nc));
        }
    }

    /// <summary>
    /// The ic, jr and ir loops for one packed B panel of <paramref name="nc"/> columns and <paramref name="kc"/> steps
    /// starting at step <paramref name="pc"/>: rows [<paramref name="i0"/>, <paramref name="i1"/>) of op(A) are packed
    /// <paramref name="mcMax"/> at a time and multiplied into <paramref name="cBlock"/> (the C block's row i0).
    /// </summary>
    /// <remarks>With <paramref name="prepackedA"/>, block ic / mcMax of A is already packed at
    /// <c>prepackedA + (ic / mcMax) * aBlockFloats</c> and <paramref name="packA"/> is not used.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyPanel(
        in GemmCall call, GemmMicroKernel kernel, int i0, int i1, int mcMax, int pc, int kc, int nc, float beta,
        float* packA, float* packB, float* cBlock, nint ldc, float* tile, float* prepackedA = null, nint aBlockFloats = 0,
        bool stream = false)
    {
        int mr = kernel.Mr, nr = kernel.Nr;
        int steps = kernel.PackedSteps(kc);
        (nint aStep, nint aLane) = call.TransA == GemmTranspose.None ? ((nint)1, call.Lda) : (call.Lda, (nint)1);
        for (int ic = i0; ic < i1; ic += mcMax)
        {
            int mc = Math.Min(mcMax, i1 - ic);
            if (prepackedA is not null)
            {
                packA = prepackedA + ((ic - i0) / mcMax * aBlockFloats);
            }
            else
            {
                Pack(kernel, call.A + (ic * aLane) + (pc * aStep), aStep, aLane, mc, kc, mr, kernel.MrShort, packA, kernel.Width);
            }

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
                        if (stream && ((nint)c & 63) == 0)
                        {
                            kernel.ComputeStreaming(isShort, narrow, steps, a, b, c, ldc, call.Alpha);
                        }
                        else
                        {
                            kernel.Compute(isShort, narrow, steps, a, b, c, ldc, call.Alpha, beta);
                        }
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

    internal static void Pack(
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeEdge(float* tile, int ldt, float* c, nint ldc, int rows, int cols, float beta)
    {
        for (int i = 0; i < rows; i++)
        {
            float* t = tile + (i * ldt);
            float* ci = c + (i * ldc);
            if (beta == 0)
            {
                // A vectorised copy: a streamed C's last tiles in every row panel are edges of up to 31 columns.
                new ReadOnlySpan<float>(t, cols).CopyTo(new Span<float>(ci, cols));
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
