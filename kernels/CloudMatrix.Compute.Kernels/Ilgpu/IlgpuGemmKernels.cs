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
/// each thread accumulates its 8 x 8 register block in FP32, 64 multiply-adds per k for four 128-bit shared loads.</para>
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
    private const int StagedPerThread = TileRows * TileDepth / GroupSize;

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

        Block8x8 acc = default;
        for (int k0 = 0; k0 < args.K; k0 += TileDepth)
        {
            for (int p = 0; p < StagedPerThread; p++)
            {
                int element = thread + (p * GroupSize);
                StageA(a, aBase, args, rowBase, k0, element, stagingA);
                StageB(b, bBase, args, colBase, k0, element, stagingB);
            }

            Group.Barrier();
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
    /// <summary>
    /// Stages one element of the op(A) tile (TileRows x TileDepth) into shared memory, k-major. The element order
    /// follows A's storage so that neighbouring threads read neighbouring addresses.
    /// </summary>
    private static void StageA(
        ArrayView<ushort> a, long aBase, GemmKernelArguments args, int rowBase, int k0, int element, ArrayView<float> sharedA)
    {
        int kk;
        int r;
        if (args.TransposeA == 0)
        {
            kk = element % TileDepth;
            r = element / TileDepth;
        }
        else
        {
            kk = element / TileRows;
            r = element % TileRows;
        }

        int row = rowBase + r;
        int k = k0 + kk;
        float value = 0f;
        if (row < args.M && k < args.K)
        {
            long index = args.TransposeA == 0 ? ((long)row * args.Lda) + k : ((long)k * args.Lda) + row;
            value = IlgpuBFloat16.Widen(a[aBase + index]);
        }

        sharedA[(kk * SharedStride) + r] = value;
    }

    /// <summary>Stages one element of the op(B) tile (TileDepth x TileCols) into shared memory, k-major.</summary>
    private static void StageB(
        ArrayView<ushort> b, long bBase, GemmKernelArguments args, int colBase, int k0, int element, ArrayView<float> sharedB)
    {
        int kk;
        int c;
        if (args.TransposeB == 0)
        {
            kk = element / TileCols;
            c = element % TileCols;
        }
        else
        {
            kk = element % TileDepth;
            c = element / TileDepth;
        }

        int col = colBase + c;
        int k = k0 + kk;
        float value = 0f;
        if (col < args.N && k < args.K)
        {
            long index = args.TransposeB == 0 ? ((long)k * args.Ldb) + col : ((long)col * args.Ldb) + k;
            value = IlgpuBFloat16.Widen(b[bBase + index]);
        }

        sharedB[(kk * SharedStride) + c] = value;
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
