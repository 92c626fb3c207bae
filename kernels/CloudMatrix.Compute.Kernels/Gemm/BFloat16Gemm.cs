using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// BF16 general matrix multiplication on the CPU: <c>C = alpha * op(A) * op(B) + beta * C</c> with A and B in
/// bfloat16, products accumulated in FP32, and C in FP32 or bfloat16 (rounded to nearest even on store).
/// All matrices are row-major strided views: element (i, j) of a matrix with leading dimension <c>ld</c> is at
/// <c>i * ld + j</c>, so a block of a larger matrix is passed without a copy.
/// </summary>
/// <remarks>
/// <para>op(A) is M x K and op(B) is K x N; C is M x N. With <see cref="GemmTranspose.None"/> A is stored M x K
/// (<c>lda &gt;= K</c>); with <see cref="GemmTranspose.Transpose"/> it is stored K x M (<c>lda &gt;= M</c>); likewise B.</para>
/// <para>NaN policy: as BLAS, <c>beta == 0</c> means C is not read (NaN already in C does not propagate);
/// <c>alpha == 0</c> still reads A and B, so NaN and infinity in them propagate as IEEE says. NaN alpha or beta
/// propagate into C.</para>
/// <para>Structure (BLIS): blocks of op(A) and op(B) are packed into FP32 micro-panels (bfloat16 widened on the way),
/// and a register-blocked microkernel chosen at run time multiplies them: AVX512_BF16 <c>vdpbf16ps</c> in machine code
/// generated at run time (Linux x64; operands packed as bfloat16 pairs instead), else AVX-512 FMA, else AVX2 + FMA,
/// else scalar. The <c>vdpbf16ps</c> kernel treats subnormal inputs and results as zero, as the instruction does.
/// Each element of C is summed in the same order whatever the thread count, so results are reproducible. Packing
/// buffers are kept per thread: a steady-state call allocates nothing on the managed heap.</para>
/// <para>An FP32 C of 8 MiB or more that is write-only (<c>beta == 0</c>), with K of at most 256 and a leading
/// dimension that is a multiple of 16, is written with non-temporal stores (tiles whose rows start on a 64-byte line;
/// the rest the ordinary way): it then leaves the caches instead of being read from memory before it is overwritten,
/// which in small-K products is as much traffic as the arithmetic takes time. The values are the same either way.</para>
/// </remarks>
public static unsafe class BFloat16Gemm
{
    /// <summary>Products below this many multiply-adds run on one thread: waking a worker would cost more.</summary>
    private const double SingleThreadFlops = 4e6;

    /// <summary>The microkernel this host runs by default, e.g. <c>vector512-fma-12x32</c> (for reports).</summary>
    public static string KernelName => GemmMicroKernel.Select(GemmSimdWidth.Auto).Name;

    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c> with an FP32 C, on every host core.</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C's storage (read unless <paramref name="beta"/> is 0, then written).</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A span shorter than its dimensions and leading dimension need.</exception>
    public static void Multiply(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb,
        float beta, Span<float> c, int ldc) =>
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmOptions.Default);

    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c> with an FP32 C, as <paramref name="options"/> say.</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C's storage (read unless <paramref name="beta"/> is 0, then written).</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <param name="options">Thread count and other run options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A span shorter than its dimensions and leading dimension need.</exception>
    public static void Multiply(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb,
        float beta, Span<float> c, int ldc, GemmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (BFloat16* pa = a)
        fixed (BFloat16* pb = b)
        fixed (float* pc = c)
        {
            var call = new GemmCall
            {
                TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = (ushort*)pa, Lda = lda, B = (ushort*)pb, Ldb = ldb, C = pc, Ldc = ldc,
            };
            Execute(call, options);
        }
    }

    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c> with a bfloat16 C (FP32 accumulation, one
    /// round-to-nearest-even per stored element), on every host core.</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C's storage.</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A span shorter than its dimensions and leading dimension need.</exception>
    public static void Multiply(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb,
        float beta, Span<BFloat16> c, int ldc) =>
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmOptions.Default);

    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c> with a bfloat16 C, as <paramref name="options"/> say.</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C's storage.</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <param name="options">Thread count and other run options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A span shorter than its dimensions and leading dimension need.</exception>
    public static void Multiply(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb,
        float beta, Span<BFloat16> c, int ldc, GemmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (BFloat16* pa = a)
        fixed (BFloat16* pb = b)
        fixed (BFloat16* pc = c)
        {
            var call = new GemmCall
            {
                TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = (ushort*)pa, Lda = lda, B = (ushort*)pb, Ldb = ldb, CBFloat16 = (ushort*)pc, Ldc = ldc,
            };
            Execute(call, options);
        }
    }

    /// <summary>
    /// Runs many independent GEMMs (for example one per virtual device) across the host's cores. With at least as
    /// many items as threads, each item runs whole on one thread and threads take the next item as they finish
    /// (largest first); items with an FP32 C that share the same B (the same memory, leading dimension, transpose, K
    /// and N: the devices of one column of a sharded product) have it packed once between them, by all threads, and
    /// run together. With fewer items than threads, each item is split across all threads in turn. Each item's result
    /// is the same, bit for bit, as a single <c>Multiply</c> call would give. Items must not write overlapping C.
    /// </summary>
    /// <param name="items">The GEMMs; each was checked when it was made.</param>
    /// <param name="options">Thread count and other run options; null for <see cref="GemmOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">An item is <c>default</c> (never made with a constructor).</exception>
    public static void MultiplyBatch(ReadOnlySpan<GemmBatchItem> items, GemmOptions? options = null)
    {
        options ??= GemmOptions.Default;
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].M == 0)
            {
                throw new ArgumentException($"items[{i}] is a default GemmBatchItem; make every item with a constructor.", nameof(items));
            }
        }

        if (items.Length == 0)
        {
            return;
        }

        GemmMicroKernel kernel = options.SelectKernel();
        int threads = options.EffectiveThreads;
        if (items.Length < threads)
        {
            foreach (GemmBatchItem item in items)
            {
                RunItem(item, kernel, options, whole: false, GemmWorkspace.Current);
            }

            return;
        }

        GemmBatchWork work = GemmBatchWork.ForCurrentThread();
        work.Load(items, kernel, options);
        try
        {
            work.Run(threads);
        }
        finally
        {
            work.Clear();
        }
    }

    /// <summary>
    /// Runs one batch item; <paramref name="whole"/> keeps it on the calling thread, where <paramref name="prepackedB"/>
    /// (FP32 C only) is its op(B) already packed by <see cref="GemmDriver.PrepackB"/> and <paramref name="prepackedA"/>
    /// its op(A) by <see cref="GemmDriver.PrepackA"/>.
    /// </summary>
    internal static void RunItem(
        in GemmBatchItem item, GemmMicroKernel kernel, GemmOptions options, bool whole, GemmWorkspace workspace,
        float* prepackedB = null, float* prepackedA = null)
    {
        fixed (BFloat16* pa = item.A.Span)
        fixed (BFloat16* pb = item.B.Span)
        fixed (float* pc = item.C.Span)
        fixed (BFloat16* pcb = item.CBFloat16.Span)
        {
            var call = new GemmCall
            {
                TransA = item.TransA, TransB = item.TransB, M = item.M, N = item.N, K = item.K,
                Alpha = item.Alpha, Beta = item.Beta, A = (ushort*)pa, Lda = item.Lda, B = (ushort*)pb, Ldb = item.Ldb,
                C = item.C.IsEmpty ? null : pc, CBFloat16 = item.C.IsEmpty ? (ushort*)pcb : null, Ldc = item.Ldc,
            };
            if (whole)
            {
                GemmDriver.Run(call, kernel, 0, call.M, 0, call.N, workspace, null, 0, 1, call.M, prepackedB, prepackedA);
            }
            else
            {
                Execute(call, options);
            }
        }
    }

    /// <summary>Splits one call over threads and runs it.</summary>
    private static void Execute(in GemmCall call, GemmOptions options)
    {
        GemmMicroKernel kernel = options.SelectKernel();
        int threads = options.EffectiveThreads;
        if (2.0 * call.M * call.N * call.K < SingleThreadFlops)
        {
            threads = 1;
        }

        if (threads > 1 && options.SharePanels && SharesPanels(call.M, kernel, threads) && PanelBytes(call, kernel) >= SharedPanelMinBytes)
        {
            SharedPanelWork shared = SharedPanelWork.ForCurrentThread();
            shared.Load(call, kernel, threads);
            if (GemmWorkerPool.TryRunParallel(shared, threads))
            {
                return;
            }
        }

        (int rowParts, int columnParts) = ChooseGrid(call.M, call.N, kernel, threads);
        if (rowParts * columnParts == 1)
        {
            GemmDriver.Run(call, kernel, 0, call.M, 0, call.N, GemmWorkspace.Current);
            return;
        }

        MultiplyWork work = MultiplyWork.ForCurrentThread();
        work.Load(call, kernel, rowParts, columnParts);
        GemmWorkerPool.Run(work, rowParts * columnParts);
    }

    /// <summary>
    /// Splits C into <c>rowParts x columnParts</c> rectangles, one per thread. Each thread packs its own rows of
    /// op(A) and columns of op(B), so the split that packs least, <c>M * columnParts + N * rowParts</c> elements per
    /// K step, wins; no part is thinner than one register tile.
    /// </summary>
    internal static (int RowParts, int ColumnParts) ChooseGrid(int m, int n, GemmMicroKernel kernel, int threads)
    {
        int rowPanels = (m + kernel.Mr - 1) / kernel.Mr;
        int columnPanels = (n + kernel.Nr - 1) / kernel.Nr;
        for (int t = Math.Min(threads, rowPanels * columnPanels); t > 1; t--)
        {
            (int, int) best = (0, 0);
            long bestCost = long.MaxValue;
            for (int rows = 1; rows <= t; rows++)
            {
                if (t % rows != 0 || rows > rowPanels || t / rows > columnPanels)
                {
                    continue;
                }

                long cost = ((long)m * (t / rows)) + ((long)n * rows);
                if (cost < bestCost)
                {
                    (best, bestCost) = ((rows, t / rows), cost);
                }
            }

            if (bestCost != long.MaxValue)
            {
                return best;
            }
        }

        return (1, 1);
    }

    /// <summary>
    /// Smallest packed B block (bytes) worth sharing between threads. Below it the block stays in each core's L2 when
    /// every thread packs its own, while a shared one is half in the other core's cache: on 2 Zen 4 cores, 512³ ran
    /// at ~410 GFLOP/s shared against ~435 split as a grid, 2048³ and up at the same speed or faster shared (4096³:
    /// 427 against 410). Tests set it to 0 to reach the shared path with small shapes.
    /// </summary>
    internal static long SharedPanelMinBytes { get; set; } = 4L << 20;

    /// <summary>Bytes of one packed B block of <paramref name="call"/> (bfloat16 pairs: 2 bytes an element).</summary>
    private static long PanelBytes(in GemmCall call, GemmMicroKernel kernel) =>
        2L * Math.Min(call.K, kernel.Kc) * Math.Min(call.N, kernel.Nc);

    /// <summary>
    /// Whether threads should share packed B panels and split the rows of C: when the rows split into parts within
    /// 5 % of each other (each thread then packs its rows of A and a 1/threads share of B, instead of a whole B
    /// panel each). Otherwise the grid split, which can also cut columns, is more even.
    /// </summary>
    internal static bool SharesPanels(int m, GemmMicroKernel kernel, int threads)
    {
        int rowPanels = (m + kernel.Mr - 1) / kernel.Mr;
        if (rowPanels < threads)
        {
            return false;
        }

        int most = (rowPanels + threads - 1) / threads;
        return (double)most * threads <= 1.05 * rowPanels;
    }

    /// <summary>The [start, end) of part <paramref name="part"/> of <paramref name="parts"/> over <paramref name="extent"/>, cut at tile edges.</summary>
    internal static (int Start, int End) Slice(int extent, int tile, int parts, int part)
    {
        int panels = (extent + tile - 1) / tile;
        int first = (int)((long)panels * part / parts);
        int last = (int)((long)panels * (part + 1) / parts);
        return (first * tile, Math.Min(extent, last * tile));
    }

    /// <summary>One call split into a grid of rectangles of C.</summary>
    private sealed class MultiplyWork : GemmWork
    {
        [ThreadStatic]
        private static MultiplyWork? s_instance;

        private GemmCall _call;
        private GemmMicroKernel? _kernel;
        private int _rowParts;
        private int _columnParts;

        public static MultiplyWork ForCurrentThread() => s_instance ??= new MultiplyWork();

        public void Load(in GemmCall call, GemmMicroKernel kernel, int rowParts, int columnParts)
        {
            _call = call;
            _kernel = kernel;
            _rowParts = rowParts;
            _columnParts = columnParts;
        }

        public override void Execute(int part, GemmWorkspace workspace)
        {
            (int i0, int i1) = Slice(_call.M, _kernel!.Mr, _rowParts, part / _columnParts);
            (int j0, int j1) = Slice(_call.N, _kernel.Nr, _columnParts, part % _columnParts);
            if (i0 < i1 && j0 < j1)
            {
                GemmDriver.Run(_call, _kernel, i0, i1, j0, j1, workspace);
            }
        }
    }

    /// <summary>One call on threads that share packed B panels, each with its own slice of rows.</summary>
    private sealed class SharedPanelWork : GemmWork
    {
        [ThreadStatic]
        private static SharedPanelWork? s_instance;

        private GemmCall _call;
        private GemmMicroKernel? _kernel;
        private int _parts;

        public static SharedPanelWork ForCurrentThread() => s_instance ??= new SharedPanelWork();

        public void Load(in GemmCall call, GemmMicroKernel kernel, int parts)
        {
            _call = call;
            _kernel = kernel;
            _parts = parts;
        }

        public override void Prepare(int parts) => GemmSharedPanels.Pool.Prepare(parts);

        public override void Execute(int part, GemmWorkspace workspace)
        {
            (int i0, int i1) = Slice(_call.M, _kernel!.Mr, _parts, part);
            int rowPanels = (_call.M + _kernel.Mr - 1) / _kernel.Mr;
            int blockRows = (rowPanels + _parts - 1) / _parts * _kernel.Mr;
            GemmDriver.Run(_call, _kernel, i0, i1, 0, _call.N, workspace, GemmSharedPanels.Pool, part, _parts, blockRows, null, null);
        }
    }

    /// <summary>Checks a GEMM call's dimensions against its spans; shared by every GEMM entry point.</summary>
    internal static void Validate(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        CheckTranspose(transA, nameof(transA));
        CheckTranspose(transB, nameof(transB));
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        (int aRows, int aCols) = transA == GemmTranspose.None ? (m, k) : (k, m);
        (int bRows, int bCols) = transB == GemmTranspose.None ? (k, n) : (n, k);
        CheckOperand("a", "lda", aRows, aCols, aLength, lda, transA);
        CheckOperand("b", "ldb", bRows, bCols, bLength, ldb, transB);
        CheckOperand("c", "ldc", m, n, cLength, ldc, GemmTranspose.None);
    }

    private static void CheckTranspose(GemmTranspose value, string name)
    {
        if (value is not (GemmTranspose.None or GemmTranspose.Transpose))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be None or Transpose.");
        }
    }

    private static void CheckOperand(string name, string ldName, int rows, int cols, int length, int ld, GemmTranspose trans)
    {
        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"{ldName} is {ld} but {name} is stored {rows} x {cols}{(trans == GemmTranspose.Transpose ? " (transposed)" : "")}: {ldName} must be at least {cols}.");
        }

        long needed = ((long)(rows - 1) * ld) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                $"{name} has {length} elements but a {rows} x {cols} view with {ldName} = {ld} needs at least {needed}.", name);
        }
    }
}
