using ILGPU;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// BF16 GEMM for GPUs through ILGPU (SIMT, no tensor cores): <c>C = alpha * op(A) * op(B) + beta * C</c> with the
/// arguments and NaN policy of <see cref="Gemm.BFloat16Gemm"/>, over a strided batch of matrices.
/// </summary>
/// <remarks>
/// <para>Blocking: a group of 16 x 16 threads computes a 128 x 128 tile of C. For every 16-deep slice of K the group
/// stages a 128 x 16 tile of op(A) and a 16 x 128 tile of op(B) in shared memory, k-major, widening bfloat16 to FP32
/// as it loads (edges and the K tail are filled with zeros, so every shape is handled by bounds checks alone); then
/// each thread accumulates its 8 x 8 register block in FP32, 64 multiply-adds per k for four 128-bit shared loads.
/// The next slice's global loads are issued into registers before the current slice is multiplied.</para>
/// <para>Thread (tx, ty) owns rows <c>4ty .. 4ty+3</c> and <c>64+4ty .. 64+4ty+3</c> of the tile, and the same
/// columns with tx: its operands for one k are two aligned quads of each staged row, read as <see cref="Float4"/>.
/// Within a warp the 16 column quads are consecutive (conflict-free) and the row quads are broadcasts.</para>
/// <para>Grid: x over column tiles, y over row tiles, z over the batch. Each C element is the sum over k in
/// increasing order of one thread's FP32 products, so a launch is deterministic (no atomics, no split K); it is not
/// bit-identical to the CPU kernel, whose blocking orders the sum differently (and the GPU may fuse multiply-adds).</para>
/// <para>Staged rows are padded by four floats: rows stay 16-byte aligned for the quad loads, and the transposing
/// scalar stores of the staging step hit at most two banks at once.</para>
/// </remarks>
internal static class IlgpuGemmKernels
{
    /// <summary>What the kernel is, for reports.</summary>
    public const string Name = "ilgpu-simt (128x128x16 tiles, 8x8 FP32 per thread)";

    /// <summary>Rows of C per group.</summary>
    public const int TileRows = 128;

    /// <summary>Columns of C per group.</summary>
    public const int TileCols = 128;

    /// <summary>Depth of the K slice staged in shared memory per step.</summary>
    public const int TileDepth = 16;

    /// <summary>Threads along a group's x (columns).</summary>
    public const int GroupWidth = 16;

    /// <summary>Threads along a group's y (rows).</summary>
    public const int GroupHeight = 16;

    /// <summary>Threads per group.</summary>
    public const int GroupSize = GroupWidth * GroupHeight;

    private const int Quad = 4;
    private const int HalfTile = TileRows / 2;
    private const int SharedStride = TileRows + Quad;
    private const int SharedStrideQuads = SharedStride / Quad;

    /// <summary>GEMM with an FP32 C.</summary>
    [IlgpuKernel(explicitlyGrouped: true)]
    public static void GemmSingleOutput(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> c, GemmKernelArguments args)
    {
        int rowBase = Grid.IdxY * TileRows;
        int colBase = Grid.IdxX * TileCols;
        long batch = Grid.IdxZ;
        Block8x8 acc = Accumulate(a, b, args, rowBase, colBase, batch);

        long cBase = batch * args.StrideC;
        int row = rowBase + (Quad * Group.IdxY);
        int col = colBase + (Quad * Group.IdxX);
        StoreSingleRow(c, cBase, args, acc.R0, row, col);
        StoreSingleRow(c, cBase, args, acc.R1, row + 1, col);
        StoreSingleRow(c, cBase, args, acc.R2, row + 2, col);
        StoreSingleRow(c, cBase, args, acc.R3, row + 3, col);
        StoreSingleRow(c, cBase, args, acc.R4, row + HalfTile, col);
        StoreSingleRow(c, cBase, args, acc.R5, row + HalfTile + 1, col);
        StoreSingleRow(c, cBase, args, acc.R6, row + HalfTile + 2, col);
        StoreSingleRow(c, cBase, args, acc.R7, row + HalfTile + 3, col);
    }

    /// <summary>GEMM with a bfloat16 C (raw bits): one round to nearest even per stored element.</summary>
    [IlgpuKernel(explicitlyGrouped: true)]
    public static void GemmBFloat16Output(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<ushort> c, GemmKernelArguments args)
    {
        int rowBase = Grid.IdxY * TileRows;
        int colBase = Grid.IdxX * TileCols;
        long batch = Grid.IdxZ;
        Block8x8 acc = Accumulate(a, b, args, rowBase, colBase, batch);

        long cBase = batch * args.StrideC;
        int row = rowBase + (Quad * Group.IdxY);
        int col = colBase + (Quad * Group.IdxX);
        StoreBFloat16Row(c, cBase, args, acc.R0, row, col);
        StoreBFloat16Row(c, cBase, args, acc.R1, row + 1, col);
        StoreBFloat16Row(c, cBase, args, acc.R2, row + 2, col);
        StoreBFloat16Row(c, cBase, args, acc.R3, row + 3, col);
        StoreBFloat16Row(c, cBase, args, acc.R4, row + HalfTile, col);
        StoreBFloat16Row(c, cBase, args, acc.R5, row + HalfTile + 1, col);
        StoreBFloat16Row(c, cBase, args, acc.R6, row + HalfTile + 2, col);
        StoreBFloat16Row(c, cBase, args, acc.R7, row + HalfTile + 3, col);
    }

    /// <summary>The group's main loop: stage, barrier, accumulate, barrier, for every K slice.</summary>
    private static Block8x8 Accumulate(
        ArrayView<ushort> a, ArrayView<ushort> b, GemmKernelArguments args, int rowBase, int colBase, long batch)
    {
        ArrayView<Float4> sharedA = SharedMemory.Allocate<Float4>(TileDepth * SharedStrideQuads);
        ArrayView<Float4> sharedB = SharedMemory.Allocate<Float4>(TileDepth * SharedStrideQuads);
        ArrayView<float> stagingA = sharedA.Cast<float>();
        ArrayView<float> stagingB = sharedB.Cast<float>();
        int thread = (Group.IdxY * GroupWidth) + Group.IdxX;
        long aBase = batch * args.StrideA;
        long bBase = batch * args.StrideB;

        // Software pipelining through registers: the global loads of slice k0 + 16 are issued before the slice k0 is
        // multiplied, so their latency hides behind 1024 multiply-adds per thread; they reach shared memory after
        // the barrier that ends the slice.
        Float8 nextA = FetchA(a, aBase, args, rowBase, 0, thread);
        Float8 nextB = FetchB(b, bBase, args, colBase, 0, thread);
        Block8x8 acc = default;
        for (int k0 = 0; k0 < args.K; k0 += TileDepth)
        {
            StashA(stagingA, args, thread, nextA);
            StashB(stagingB, args, thread, nextB);
            Group.Barrier();

            if (k0 + TileDepth < args.K)
            {
                nextA = FetchA(a, aBase, args, rowBase, k0 + TileDepth, thread);
                nextB = FetchB(b, bBase, args, colBase, k0 + TileDepth, thread);
            }

            for (int kk = 0; kk < TileDepth; kk++)
            {
                int staged = kk * SharedStrideQuads;
                Float8 column = Float8.Join(sharedA[staged + Group.IdxY], sharedA[staged + (HalfTile / Quad) + Group.IdxY]);
                Float8 row = Float8.Join(sharedB[staged + Group.IdxX], sharedB[staged + (HalfTile / Quad) + Group.IdxX]);
                acc = Block8x8.MultiplyAdd(acc, column, row);
            }

            Group.Barrier();
        }

        return acc;
    }

    // Staging: the group's 256 threads move the 128 x 16 tile of op(A) and the 16 x 128 tile of op(B), eight
    // elements each per thread (element e = thread + 256 p). Elements are numbered along each operand's storage so
    // that neighbouring threads read neighbouring addresses; in shared memory both tiles are k-major.

    /// <summary>Position of staged element <paramref name="element"/> of op(A): its k within the slice and its row.</summary>
    private static (int Kk, int Row) SlotA(GemmKernelArguments args, int element) => args.TransposeA == 0
        ? (element % TileDepth, element / TileDepth)
        : (element / TileRows, element % TileRows);

    /// <summary>Position of staged element <paramref name="element"/> of op(B): its k within the slice and its column.</summary>
    private static (int Kk, int Col) SlotB(GemmKernelArguments args, int element) => args.TransposeB == 0
        ? (element / TileCols, element % TileCols)
        : (element % TileDepth, element / TileDepth);

    /// <summary>Loads and widens this thread's eight op(A) elements of the slice at <paramref name="k0"/>; zeros outside.</summary>
    private static Float8 FetchA(ArrayView<ushort> a, long aBase, GemmKernelArguments args, int rowBase, int k0, int thread) => new(
        LoadA(a, aBase, args, rowBase, k0, thread), LoadA(a, aBase, args, rowBase, k0, thread + GroupSize),
        LoadA(a, aBase, args, rowBase, k0, thread + (2 * GroupSize)), LoadA(a, aBase, args, rowBase, k0, thread + (3 * GroupSize)),
        LoadA(a, aBase, args, rowBase, k0, thread + (4 * GroupSize)), LoadA(a, aBase, args, rowBase, k0, thread + (5 * GroupSize)),
        LoadA(a, aBase, args, rowBase, k0, thread + (6 * GroupSize)), LoadA(a, aBase, args, rowBase, k0, thread + (7 * GroupSize)));

    /// <summary>Loads and widens this thread's eight op(B) elements of the slice at <paramref name="k0"/>; zeros outside.</summary>
    private static Float8 FetchB(ArrayView<ushort> b, long bBase, GemmKernelArguments args, int colBase, int k0, int thread) => new(
        LoadB(b, bBase, args, colBase, k0, thread), LoadB(b, bBase, args, colBase, k0, thread + GroupSize),
        LoadB(b, bBase, args, colBase, k0, thread + (2 * GroupSize)), LoadB(b, bBase, args, colBase, k0, thread + (3 * GroupSize)),
        LoadB(b, bBase, args, colBase, k0, thread + (4 * GroupSize)), LoadB(b, bBase, args, colBase, k0, thread + (5 * GroupSize)),
        LoadB(b, bBase, args, colBase, k0, thread + (6 * GroupSize)), LoadB(b, bBase, args, colBase, k0, thread + (7 * GroupSize)));

    private static float LoadA(ArrayView<ushort> a, long aBase, GemmKernelArguments args, int rowBase, int k0, int element)
    {
        (int kk, int r) = SlotA(args, element);
        int row = rowBase + r;
        int k = k0 + kk;
        if (row >= args.M || k >= args.K)
        {
            return 0f;
        }

        long index = args.TransposeA == 0 ? ((long)row * args.Lda) + k : ((long)k * args.Lda) + row;
        return IlgpuBFloat16.Widen(a[aBase + index]);
    }

    private static float LoadB(ArrayView<ushort> b, long bBase, GemmKernelArguments args, int colBase, int k0, int element)
    {
        (int kk, int c) = SlotB(args, element);
        int col = colBase + c;
        int k = k0 + kk;
        if (col >= args.N || k >= args.K)
        {
            return 0f;
        }

        long index = args.TransposeB == 0 ? ((long)k * args.Ldb) + col : ((long)col * args.Ldb) + k;
        return IlgpuBFloat16.Widen(b[bBase + index]);
    }

    /// <summary>Writes this thread's fetched op(A) elements to the k-major shared tile.</summary>
    private static void StashA(ArrayView<float> staging, GemmKernelArguments args, int thread, Float8 values)
    {
        PutA(staging, args, thread, values.V0);
        PutA(staging, args, thread + GroupSize, values.V1);
        PutA(staging, args, thread + (2 * GroupSize), values.V2);
        PutA(staging, args, thread + (3 * GroupSize), values.V3);
        PutA(staging, args, thread + (4 * GroupSize), values.V4);
        PutA(staging, args, thread + (5 * GroupSize), values.V5);
        PutA(staging, args, thread + (6 * GroupSize), values.V6);
        PutA(staging, args, thread + (7 * GroupSize), values.V7);
    }

    /// <summary>Writes this thread's fetched op(B) elements to the k-major shared tile.</summary>
    private static void StashB(ArrayView<float> staging, GemmKernelArguments args, int thread, Float8 values)
    {
        PutB(staging, args, thread, values.V0);
        PutB(staging, args, thread + GroupSize, values.V1);
        PutB(staging, args, thread + (2 * GroupSize), values.V2);
        PutB(staging, args, thread + (3 * GroupSize), values.V3);
        PutB(staging, args, thread + (4 * GroupSize), values.V4);
        PutB(staging, args, thread + (5 * GroupSize), values.V5);
        PutB(staging, args, thread + (6 * GroupSize), values.V6);
        PutB(staging, args, thread + (7 * GroupSize), values.V7);
    }

    private static void PutA(ArrayView<float> staging, GemmKernelArguments args, int element, float value)
    {
        (int kk, int r) = SlotA(args, element);
        staging[(kk * SharedStride) + r] = value;
    }

    private static void PutB(ArrayView<float> staging, GemmKernelArguments args, int element, float value)
    {
        (int kk, int c) = SlotB(args, element);
        staging[(kk * SharedStride) + c] = value;
    }

    private static void StoreSingleRow(ArrayView<float> c, long cBase, GemmKernelArguments args, Float8 sums, int row, int col)
    {
        if (row >= args.M)
        {
            return;
        }

        long rowStart = cBase + ((long)row * args.Ldc);
        StoreSingle(c, rowStart, args, sums.V0, col);
        StoreSingle(c, rowStart, args, sums.V1, col + 1);
        StoreSingle(c, rowStart, args, sums.V2, col + 2);
        StoreSingle(c, rowStart, args, sums.V3, col + 3);
        StoreSingle(c, rowStart, args, sums.V4, col + HalfTile);
        StoreSingle(c, rowStart, args, sums.V5, col + HalfTile + 1);
        StoreSingle(c, rowStart, args, sums.V6, col + HalfTile + 2);
        StoreSingle(c, rowStart, args, sums.V7, col + HalfTile + 3);
    }

    private static void StoreSingle(ArrayView<float> c, long rowStart, GemmKernelArguments args, float sum, int col)
    {
        if (col < args.N)
        {
            long index = rowStart + col;
            // beta == 0: C is write-only (BLAS), so NaN already in C does not propagate.
            c[index] = args.Beta == 0f ? args.Alpha * sum : (args.Alpha * sum) + (args.Beta * c[index]);
        }
    }

    private static void StoreBFloat16Row(ArrayView<ushort> c, long cBase, GemmKernelArguments args, Float8 sums, int row, int col)
    {
        if (row >= args.M)
        {
            return;
        }

        long rowStart = cBase + ((long)row * args.Ldc);
        StoreBFloat16(c, rowStart, args, sums.V0, col);
        StoreBFloat16(c, rowStart, args, sums.V1, col + 1);
        StoreBFloat16(c, rowStart, args, sums.V2, col + 2);
        StoreBFloat16(c, rowStart, args, sums.V3, col + 3);
        StoreBFloat16(c, rowStart, args, sums.V4, col + HalfTile);
        StoreBFloat16(c, rowStart, args, sums.V5, col + HalfTile + 1);
        StoreBFloat16(c, rowStart, args, sums.V6, col + HalfTile + 2);
        StoreBFloat16(c, rowStart, args, sums.V7, col + HalfTile + 3);
    }

    private static void StoreBFloat16(ArrayView<ushort> c, long rowStart, GemmKernelArguments args, float sum, int col)
    {
        if (col < args.N)
        {
            long index = rowStart + col;
            float value = args.Beta == 0f
                ? args.Alpha * sum
                : (args.Alpha * sum) + (args.Beta * IlgpuBFloat16.Widen(c[index]));
            c[index] = IlgpuBFloat16.Narrow(value);
        }
    }
}
