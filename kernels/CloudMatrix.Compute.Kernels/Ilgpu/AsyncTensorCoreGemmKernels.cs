using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime.Cuda;
using static CloudMatrix.Compute.Kernels.Ilgpu.AsyncTensorCoreLayout;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// BF16 GEMM on NVIDIA tensor cores (sm_80 and newer) for operands whose rows start on 16-byte boundaries:
/// <c>C = alpha * op(A) * op(B) + beta * C</c> with the arguments, FP32 accumulation and NaN policy of
/// <see cref="IlgpuGemmKernels"/>, over a strided batch, for any M, N and K. Operands are addressed by device address
/// (the host passes each view's address), because the copies and fragment loads are PTX the kernel writes itself.
/// </summary>
/// <remarks>
/// <para>Blocking as <see cref="TensorCoreGemmKernels"/>: four warps per 128 x 128 tile of C, 64 x 64 per warp,
/// <c>mma.sync.aligned.m16n8k16</c> with FP32 accumulators in PTX registers. What differs is how data reach the tensor
/// cores: each 32-deep K slice of op(A) and op(B) is copied from global to shared memory with <c>cp.async</c> (16 bytes
/// per copy, no staging registers; the copy's source size zero-fills edges and the K tail), two slices in flight, and
/// fragments are read with <c>ldmatrix</c> (four 8 x 8 matrices per instruction), transposing on the way where the
/// operand is stored with M or N contiguous. Shared tiles (<see cref="AsyncTensorCoreLayout"/>) keep each operand in its
/// storage order: K-contiguous tiles as 64-byte rows with their 16-byte pieces XOR-swizzled, M/N-contiguous tiles as
/// 272-byte rows (256 of data), so every <c>ldmatrix</c> phase touches 32 distinct banks.</para>
/// <para>The epilogue stages each warp's 16 x 64 slices of C in shared memory and stores rows of 32 consecutive
/// elements, applying alpha, beta (C is not read when beta is 0) and, for a bfloat16 C, one round to nearest even
/// (<c>cvt.rn.bf16.f32</c>).</para>
/// </remarks>
internal static class AsyncTensorCoreGemmKernels
{
    /// <summary>What the kernel is, for reports.</summary>
    public const string Name = "ilgpu-tensor-core-async (mma.sync m16n8k16 bf16, FP32 accumulate; 128x128x32 tiles, cp.async double buffer, ldmatrix)";

    private const string Declare =
        ".shared .align 128 .b8 cmx_smem[34816];\n\t.reg .b32 cmx_fa<32>;\n\t.reg .b32 cmx_fb<32>;\n\t.reg .u32 cmx_sbase;\n\tmov.u32 cmx_sbase, cmx_smem;";

    /// <summary>GEMM with an FP32 C; <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/> are device addresses of element 0.</summary>
    [IlgpuKernel(explicitlyGrouped: true, MinimumCudaArchitecture = TensorCoreGemmKernels.MinimumArchitecture)]
    public static void GemmSingleOutput(long a, long b, long c, GemmKernelArguments args) => Run(a, b, c, args, false);

    /// <summary>GEMM with a bfloat16 C (raw bits): one round to nearest even per stored element.</summary>
    [IlgpuKernel(explicitlyGrouped: true, MinimumCudaArchitecture = TensorCoreGemmKernels.MinimumArchitecture)]
    public static void GemmBFloat16Output(long a, long b, long c, GemmKernelArguments args) => Run(a, b, c, args, true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Run(long a, long b, long c, GemmKernelArguments args, bool bfloat16)
    {
        CudaAsm.Emit(Declare);
        CudaAsm.Emit(TensorCoreGemmKernels.DeclareAccumulators);
        CudaAsm.Emit(TensorCoreGemmKernels.ZeroAccumulators);
        int thread = Group.IdxX;
        int lane = thread & 31;
        int warp = thread >> 5;
        int warpRow = (warp >> 1) * WarpTile;
        int warpCol = (warp & 1) * WarpTile;
        int rowBase = Grid.IdxY * TileRows;
        int colBase = Grid.IdxX * TileCols;
        long batch = Grid.IdxZ;
        bool aAlongK = args.TransposeA == 0;
        bool bAlongK = args.TransposeB != 0;
        long aBase = a + (2 * batch * args.StrideA);
        long bBase = b + (2 * batch * args.StrideB);

        // Each lane's ldmatrix row address, per 16-deep step, within a stage's tile (fragment 0; the others are
        // constant offsets written into the instructions).
        int aLane0 = AFragmentLane(aAlongK, warpRow, lane, 0);
        int aLane1 = AFragmentLane(aAlongK, warpRow, lane, 1);
        int bLane0 = OperandTileBytes + BFragmentLane(bAlongK, warpCol, lane, 0);
        int bLane1 = OperandTileBytes + BFragmentLane(bAlongK, warpCol, lane, 1);

        // Copies of tiles inside the matrix (every row or column present) for slices inside K: a thread's four
        // pieces at fixed strides from its first, all 16 bytes; edges and the K tail take CopySlice.
        bool aInside = rowBase + TileRows <= args.M;
        bool bInside = colBase + TileCols <= args.N;
        long aFirst = aBase + (2 * FirstPieceSource(aAlongK, thread, rowBase, args.Lda));
        long bFirst = bBase + (2 * FirstPieceSource(bAlongK, thread, colBase, args.Ldb));
        long aPieceBytes = 2 * PieceSourceStride(aAlongK, args.Lda);
        long bPieceBytes = 2 * PieceSourceStride(bAlongK, args.Ldb);
        long aSliceBytes = 2 * SliceSourceStride(aAlongK, args.Lda);
        long bSliceBytes = 2 * SliceSourceStride(bAlongK, args.Ldb);
        int aTarget = PieceOffset(aAlongK, thread);
        int bTarget = OperandTileBytes + PieceOffset(bAlongK, thread);

        int slices = (args.K + TileDepth - 1) / TileDepth;
        int wholeSlices = args.K / TileDepth;
        CopyOperand(aBase, args.Lda, aAlongK, rowBase, args.M, args.K, thread, aInside && wholeSlices > 0, aTarget, aFirst, aPieceBytes, 0, 0);
        CopyOperand(bBase, args.Ldb, bAlongK, colBase, args.N, args.K, thread, bInside && wholeSlices > 0, bTarget, bFirst, bPieceBytes, OperandTileBytes, 0);
        CudaAsm.Emit("cp.async.commit_group;");
        for (int slice = 0; slice < slices; slice++)
        {
            // This thread's copies of the slice have landed; the barrier makes everyone's visible and ends every
            // warp's reads of the other stage, which the next slice's copies then overwrite.
            CudaAsm.Emit("cp.async.wait_group 0;");
            Group.Barrier();
            int next = slice + 1;
            if (next < slices)
            {
                int stage = (next & 1) * StageBytes;
                bool whole = next < wholeSlices;
                CopyOperand(aBase, args.Lda, aAlongK, rowBase, args.M, args.K, thread, aInside && whole, stage + aTarget, aFirst + (next * aSliceBytes), aPieceBytes, stage, next);
                CopyOperand(bBase, args.Ldb, bAlongK, colBase, args.N, args.K, thread, bInside && whole, stage + bTarget, bFirst + (next * bSliceBytes), bPieceBytes, stage + OperandTileBytes, next);
                CudaAsm.Emit("cp.async.commit_group;");
            }

            int current = (slice & 1) * StageBytes;
            if (aAlongK)
            {
                LoadAAlongK(current + aLane0, current + aLane1);
            }
            else
            {
                LoadAAcross(current + aLane0, current + aLane1);
            }

            if (bAlongK)
            {
                LoadBAlongK(current + bLane0, current + bLane1);
            }
            else
            {
                LoadBAcross(current + bLane0, current + bLane1);
            }

            MultiplySet0();
            MultiplySet1();
        }

        // Every warp is done reading the tiles before the epilogue reuses the memory.
        Group.Barrier();
        int region = warp * EpilogueWarpBytes;
        int staged = region + (((lane >> 2) * EpilogueStride) + (2 * (lane & 3))) * 4;
        long cBase = c + ((bfloat16 ? 2 : 4) * batch * args.StrideC);
        for (int fragment = 0; fragment < 4; fragment++)
        {
            StageFragment(fragment, staged);
            Warp.Barrier();
            int firstRow = rowBase + warpRow + (16 * fragment);
            for (int r = 0; r < 16; r++)
            {
                int row = firstRow + r;
                if (row < args.M)
                {
                    for (int half = 0; half < 2; half++)
                    {
                        int col = colBase + warpCol + lane + (32 * half);
                        if (col < args.N)
                        {
                            int from = region + (((r * EpilogueStride) + lane + (32 * half)) * 4);
                            long index = ((long)row * args.Ldc) + col;
                            Store(cBase, index, from, args.Alpha, args.Beta, bfloat16);
                        }
                    }
                }
            }

            Warp.Barrier();
        }
    }

    /// <summary>
    /// Issues this thread's four copies of one operand's slice <paramref name="slice"/>: when <paramref name="inside"/>
    /// (the whole tile and slice lie in the matrix), four full copies from <paramref name="source"/> at
    /// <paramref name="pieceBytes"/> apart into <paramref name="target"/> at the layout's fixed stride; else
    /// <see cref="CopySlice"/> into the tile at <paramref name="tile"/>, bounds checked per piece.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyOperand(
        long xBase, int ld, bool alongK, int tileBase, int rows, int depth, int thread,
        bool inside, int target, long source, long pieceBytes, int tile, int slice)
    {
        if (!inside)
        {
            CopySlice(xBase, ld, alongK, tileBase, rows, slice * TileDepth, depth, tile, thread);
        }
        else if (alongK)
        {
            CudaAsm.Emit("{ .reg .u32 d; .reg .u64 g; add.u32 d, cmx_sbase, %0; cvta.to.global.u64 g, %1; cp.async.cg.shared.global [d], [g], 16; add.u64 g, g, %2; cp.async.cg.shared.global [d+2048], [g], 16; add.u64 g, g, %2; cp.async.cg.shared.global [d+4096], [g], 16; add.u64 g, g, %2; cp.async.cg.shared.global [d+6144], [g], 16; }", target, source, pieceBytes);
        }
        else
        {
            CudaAsm.Emit("{ .reg .u32 d; .reg .u64 g; add.u32 d, cmx_sbase, %0; cvta.to.global.u64 g, %1; cp.async.cg.shared.global [d], [g], 16; add.u64 g, g, %2; cp.async.cg.shared.global [d+2176], [g], 16; add.u64 g, g, %2; cp.async.cg.shared.global [d+4352], [g], 16; add.u64 g, g, %2; cp.async.cg.shared.global [d+6528], [g], 16; }", target, source, pieceBytes);
        }
    }

    /// <summary>Issues this thread's four 16-byte copies of one operand's slice into the tile at <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySlice(long xBase, int ld, bool alongK, int tileBase, int rows, int k0, int depth, int tile, int thread)
    {
        for (int i = 0; i < 4; i++)
        {
            int piece = thread + (i * GroupSize);
            (int row, int k, int bytes) = Piece(alongK, piece, tileBase, rows, k0, depth);
            long source = bytes > 0 ? xBase + (2 * (alongK ? ((long)row * ld) + k : ((long)k * ld) + row)) : xBase;
            int target = tile + PieceOffset(alongK, piece);
            CudaAsm.Emit("{ .reg .u32 d; .reg .u64 g; add.u32 d, cmx_sbase, %0; cvta.to.global.u64 g, %1; cp.async.cg.shared.global [d], [g], 16, %2; }", target, source, bytes);
        }
    }

    /// <summary>Stores element <paramref name="index"/> of C from the staged float at shared byte <paramref name="from"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(long cBase, long index, int from, float alpha, float beta, bool bfloat16)
    {
        if (bfloat16)
        {
            long address = cBase + (2 * index);
            if (beta == 0f)
            {
                CudaAsm.Emit("{ .reg .u32 d; .reg .f32 v; .reg .b16 h; add.u32 d, cmx_sbase, %0; ld.shared.f32 v, [d]; mul.f32 v, v, %1; cvt.rn.bf16.f32 h, v; st.global.b16 [%2], h; }", from, alpha, address);
            }
            else
            {
                CudaAsm.Emit("{ .reg .u32 d; .reg .f32 v; .reg .f32 w; .reg .b16 h; .reg .b16 z; .reg .b32 p; add.u32 d, cmx_sbase, %0; ld.shared.f32 v, [d]; ld.global.b16 h, [%2]; mov.b16 z, 0; mov.b32 p, {z, h}; mov.b32 w, p; mul.f32 w, w, %3; mul.f32 v, v, %1; add.f32 v, v, w; cvt.rn.bf16.f32 h, v; st.global.b16 [%2], h; }", from, alpha, address, beta);
            }

            return;
        }

        long at = cBase + (4 * index);
        if (beta == 0f)
        {
            // beta == 0: C is write-only (BLAS), so NaN already in C does not propagate.
            CudaAsm.Emit("{ .reg .u32 d; .reg .f32 v; add.u32 d, cmx_sbase, %0; ld.shared.f32 v, [d]; mul.f32 v, v, %1; st.global.f32 [%2], v; }", from, alpha, at);
        }
        else
        {
            CudaAsm.Emit("{ .reg .u32 d; .reg .f32 v; .reg .f32 w; add.u32 d, cmx_sbase, %0; ld.shared.f32 v, [d]; ld.global.f32 w, [%2]; mul.f32 w, w, %3; mul.f32 v, v, %1; add.f32 v, v, w; st.global.f32 [%2], v; }", from, alpha, at, beta);
        }
    }


    /// <summary>A fragments of both steps (set 0: step 0, set 1: step 1) from a K-contiguous tile: fragment rows 16 apart are 1024 bytes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadAAlongK(int step0, int step1)
    {
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, [d+0]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, [d+1024]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, [d+2048]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, [d+3072]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, [d+0]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, [d+1024]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, [d+2048]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, [d+3072]; }", step1);
    }

    /// <summary>A fragments of both steps from an M-contiguous tile, transposed by <c>ldmatrix .trans</c>: fragment rows 16 apart are 32 bytes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadAAcross(int step0, int step1)
    {
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, [d+0]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, [d+32]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, [d+64]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, [d+96]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, [d+0]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, [d+32]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, [d+64]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, [d+96]; }", step1);
    }

    /// <summary>B fragments (pairs of 8-column fragments) of both steps from a K-contiguous tile: pairs 16 columns apart are 1024 bytes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadBAlongK(int step0, int step1)
    {
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb0,cmx_fb1,cmx_fb2,cmx_fb3}, [d+0]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb4,cmx_fb5,cmx_fb6,cmx_fb7}, [d+1024]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb8,cmx_fb9,cmx_fb10,cmx_fb11}, [d+2048]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb12,cmx_fb13,cmx_fb14,cmx_fb15}, [d+3072]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb16,cmx_fb17,cmx_fb18,cmx_fb19}, [d+0]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb20,cmx_fb21,cmx_fb22,cmx_fb23}, [d+1024]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb24,cmx_fb25,cmx_fb26,cmx_fb27}, [d+2048]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {cmx_fb28,cmx_fb29,cmx_fb30,cmx_fb31}, [d+3072]; }", step1);
    }

    /// <summary>B fragments of both steps from an N-contiguous tile, transposed: pairs 16 columns apart are 32 bytes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadBAcross(int step0, int step1)
    {
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb0,cmx_fb1,cmx_fb2,cmx_fb3}, [d+0]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb4,cmx_fb5,cmx_fb6,cmx_fb7}, [d+32]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb8,cmx_fb9,cmx_fb10,cmx_fb11}, [d+64]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb12,cmx_fb13,cmx_fb14,cmx_fb15}, [d+96]; }", step0);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb16,cmx_fb17,cmx_fb18,cmx_fb19}, [d+0]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb20,cmx_fb21,cmx_fb22,cmx_fb23}, [d+32]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb24,cmx_fb25,cmx_fb26,cmx_fb27}, [d+64]; }", step1);
        CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {cmx_fb28,cmx_fb29,cmx_fb30,cmx_fb31}, [d+96]; }", step1);
    }

    /// <summary>The 32 products of fragment set 0 (16-deep step 0 of the slice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplySet0()
    {
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc0,cmx_acc1,cmx_acc2,cmx_acc3}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb0,cmx_fb1}, {cmx_acc0,cmx_acc1,cmx_acc2,cmx_acc3};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc4,cmx_acc5,cmx_acc6,cmx_acc7}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb2,cmx_fb3}, {cmx_acc4,cmx_acc5,cmx_acc6,cmx_acc7};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc8,cmx_acc9,cmx_acc10,cmx_acc11}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb4,cmx_fb5}, {cmx_acc8,cmx_acc9,cmx_acc10,cmx_acc11};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc12,cmx_acc13,cmx_acc14,cmx_acc15}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb6,cmx_fb7}, {cmx_acc12,cmx_acc13,cmx_acc14,cmx_acc15};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc16,cmx_acc17,cmx_acc18,cmx_acc19}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb8,cmx_fb9}, {cmx_acc16,cmx_acc17,cmx_acc18,cmx_acc19};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc20,cmx_acc21,cmx_acc22,cmx_acc23}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb10,cmx_fb11}, {cmx_acc20,cmx_acc21,cmx_acc22,cmx_acc23};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc24,cmx_acc25,cmx_acc26,cmx_acc27}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb12,cmx_fb13}, {cmx_acc24,cmx_acc25,cmx_acc26,cmx_acc27};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc28,cmx_acc29,cmx_acc30,cmx_acc31}, {cmx_fa0,cmx_fa1,cmx_fa2,cmx_fa3}, {cmx_fb14,cmx_fb15}, {cmx_acc28,cmx_acc29,cmx_acc30,cmx_acc31};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc32,cmx_acc33,cmx_acc34,cmx_acc35}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb0,cmx_fb1}, {cmx_acc32,cmx_acc33,cmx_acc34,cmx_acc35};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc36,cmx_acc37,cmx_acc38,cmx_acc39}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb2,cmx_fb3}, {cmx_acc36,cmx_acc37,cmx_acc38,cmx_acc39};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc40,cmx_acc41,cmx_acc42,cmx_acc43}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb4,cmx_fb5}, {cmx_acc40,cmx_acc41,cmx_acc42,cmx_acc43};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc44,cmx_acc45,cmx_acc46,cmx_acc47}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb6,cmx_fb7}, {cmx_acc44,cmx_acc45,cmx_acc46,cmx_acc47};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc48,cmx_acc49,cmx_acc50,cmx_acc51}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb8,cmx_fb9}, {cmx_acc48,cmx_acc49,cmx_acc50,cmx_acc51};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc52,cmx_acc53,cmx_acc54,cmx_acc55}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb10,cmx_fb11}, {cmx_acc52,cmx_acc53,cmx_acc54,cmx_acc55};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc56,cmx_acc57,cmx_acc58,cmx_acc59}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb12,cmx_fb13}, {cmx_acc56,cmx_acc57,cmx_acc58,cmx_acc59};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc60,cmx_acc61,cmx_acc62,cmx_acc63}, {cmx_fa4,cmx_fa5,cmx_fa6,cmx_fa7}, {cmx_fb14,cmx_fb15}, {cmx_acc60,cmx_acc61,cmx_acc62,cmx_acc63};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc64,cmx_acc65,cmx_acc66,cmx_acc67}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb0,cmx_fb1}, {cmx_acc64,cmx_acc65,cmx_acc66,cmx_acc67};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc68,cmx_acc69,cmx_acc70,cmx_acc71}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb2,cmx_fb3}, {cmx_acc68,cmx_acc69,cmx_acc70,cmx_acc71};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc72,cmx_acc73,cmx_acc74,cmx_acc75}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb4,cmx_fb5}, {cmx_acc72,cmx_acc73,cmx_acc74,cmx_acc75};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc76,cmx_acc77,cmx_acc78,cmx_acc79}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb6,cmx_fb7}, {cmx_acc76,cmx_acc77,cmx_acc78,cmx_acc79};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc80,cmx_acc81,cmx_acc82,cmx_acc83}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb8,cmx_fb9}, {cmx_acc80,cmx_acc81,cmx_acc82,cmx_acc83};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc84,cmx_acc85,cmx_acc86,cmx_acc87}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb10,cmx_fb11}, {cmx_acc84,cmx_acc85,cmx_acc86,cmx_acc87};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc88,cmx_acc89,cmx_acc90,cmx_acc91}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb12,cmx_fb13}, {cmx_acc88,cmx_acc89,cmx_acc90,cmx_acc91};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc92,cmx_acc93,cmx_acc94,cmx_acc95}, {cmx_fa8,cmx_fa9,cmx_fa10,cmx_fa11}, {cmx_fb14,cmx_fb15}, {cmx_acc92,cmx_acc93,cmx_acc94,cmx_acc95};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc96,cmx_acc97,cmx_acc98,cmx_acc99}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb0,cmx_fb1}, {cmx_acc96,cmx_acc97,cmx_acc98,cmx_acc99};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc100,cmx_acc101,cmx_acc102,cmx_acc103}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb2,cmx_fb3}, {cmx_acc100,cmx_acc101,cmx_acc102,cmx_acc103};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc104,cmx_acc105,cmx_acc106,cmx_acc107}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb4,cmx_fb5}, {cmx_acc104,cmx_acc105,cmx_acc106,cmx_acc107};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc108,cmx_acc109,cmx_acc110,cmx_acc111}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb6,cmx_fb7}, {cmx_acc108,cmx_acc109,cmx_acc110,cmx_acc111};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc112,cmx_acc113,cmx_acc114,cmx_acc115}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb8,cmx_fb9}, {cmx_acc112,cmx_acc113,cmx_acc114,cmx_acc115};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc116,cmx_acc117,cmx_acc118,cmx_acc119}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb10,cmx_fb11}, {cmx_acc116,cmx_acc117,cmx_acc118,cmx_acc119};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc120,cmx_acc121,cmx_acc122,cmx_acc123}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb12,cmx_fb13}, {cmx_acc120,cmx_acc121,cmx_acc122,cmx_acc123};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc124,cmx_acc125,cmx_acc126,cmx_acc127}, {cmx_fa12,cmx_fa13,cmx_fa14,cmx_fa15}, {cmx_fb14,cmx_fb15}, {cmx_acc124,cmx_acc125,cmx_acc126,cmx_acc127};");
    }

    /// <summary>The 32 products of fragment set 1 (16-deep step 1 of the slice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplySet1()
    {
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc0,cmx_acc1,cmx_acc2,cmx_acc3}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb16,cmx_fb17}, {cmx_acc0,cmx_acc1,cmx_acc2,cmx_acc3};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc4,cmx_acc5,cmx_acc6,cmx_acc7}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb18,cmx_fb19}, {cmx_acc4,cmx_acc5,cmx_acc6,cmx_acc7};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc8,cmx_acc9,cmx_acc10,cmx_acc11}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb20,cmx_fb21}, {cmx_acc8,cmx_acc9,cmx_acc10,cmx_acc11};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc12,cmx_acc13,cmx_acc14,cmx_acc15}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb22,cmx_fb23}, {cmx_acc12,cmx_acc13,cmx_acc14,cmx_acc15};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc16,cmx_acc17,cmx_acc18,cmx_acc19}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb24,cmx_fb25}, {cmx_acc16,cmx_acc17,cmx_acc18,cmx_acc19};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc20,cmx_acc21,cmx_acc22,cmx_acc23}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb26,cmx_fb27}, {cmx_acc20,cmx_acc21,cmx_acc22,cmx_acc23};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc24,cmx_acc25,cmx_acc26,cmx_acc27}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb28,cmx_fb29}, {cmx_acc24,cmx_acc25,cmx_acc26,cmx_acc27};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc28,cmx_acc29,cmx_acc30,cmx_acc31}, {cmx_fa16,cmx_fa17,cmx_fa18,cmx_fa19}, {cmx_fb30,cmx_fb31}, {cmx_acc28,cmx_acc29,cmx_acc30,cmx_acc31};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc32,cmx_acc33,cmx_acc34,cmx_acc35}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb16,cmx_fb17}, {cmx_acc32,cmx_acc33,cmx_acc34,cmx_acc35};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc36,cmx_acc37,cmx_acc38,cmx_acc39}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb18,cmx_fb19}, {cmx_acc36,cmx_acc37,cmx_acc38,cmx_acc39};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc40,cmx_acc41,cmx_acc42,cmx_acc43}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb20,cmx_fb21}, {cmx_acc40,cmx_acc41,cmx_acc42,cmx_acc43};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc44,cmx_acc45,cmx_acc46,cmx_acc47}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb22,cmx_fb23}, {cmx_acc44,cmx_acc45,cmx_acc46,cmx_acc47};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc48,cmx_acc49,cmx_acc50,cmx_acc51}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb24,cmx_fb25}, {cmx_acc48,cmx_acc49,cmx_acc50,cmx_acc51};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc52,cmx_acc53,cmx_acc54,cmx_acc55}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb26,cmx_fb27}, {cmx_acc52,cmx_acc53,cmx_acc54,cmx_acc55};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc56,cmx_acc57,cmx_acc58,cmx_acc59}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb28,cmx_fb29}, {cmx_acc56,cmx_acc57,cmx_acc58,cmx_acc59};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc60,cmx_acc61,cmx_acc62,cmx_acc63}, {cmx_fa20,cmx_fa21,cmx_fa22,cmx_fa23}, {cmx_fb30,cmx_fb31}, {cmx_acc60,cmx_acc61,cmx_acc62,cmx_acc63};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc64,cmx_acc65,cmx_acc66,cmx_acc67}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb16,cmx_fb17}, {cmx_acc64,cmx_acc65,cmx_acc66,cmx_acc67};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc68,cmx_acc69,cmx_acc70,cmx_acc71}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb18,cmx_fb19}, {cmx_acc68,cmx_acc69,cmx_acc70,cmx_acc71};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc72,cmx_acc73,cmx_acc74,cmx_acc75}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb20,cmx_fb21}, {cmx_acc72,cmx_acc73,cmx_acc74,cmx_acc75};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc76,cmx_acc77,cmx_acc78,cmx_acc79}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb22,cmx_fb23}, {cmx_acc76,cmx_acc77,cmx_acc78,cmx_acc79};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc80,cmx_acc81,cmx_acc82,cmx_acc83}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb24,cmx_fb25}, {cmx_acc80,cmx_acc81,cmx_acc82,cmx_acc83};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc84,cmx_acc85,cmx_acc86,cmx_acc87}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb26,cmx_fb27}, {cmx_acc84,cmx_acc85,cmx_acc86,cmx_acc87};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc88,cmx_acc89,cmx_acc90,cmx_acc91}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb28,cmx_fb29}, {cmx_acc88,cmx_acc89,cmx_acc90,cmx_acc91};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc92,cmx_acc93,cmx_acc94,cmx_acc95}, {cmx_fa24,cmx_fa25,cmx_fa26,cmx_fa27}, {cmx_fb30,cmx_fb31}, {cmx_acc92,cmx_acc93,cmx_acc94,cmx_acc95};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc96,cmx_acc97,cmx_acc98,cmx_acc99}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb16,cmx_fb17}, {cmx_acc96,cmx_acc97,cmx_acc98,cmx_acc99};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc100,cmx_acc101,cmx_acc102,cmx_acc103}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb18,cmx_fb19}, {cmx_acc100,cmx_acc101,cmx_acc102,cmx_acc103};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc104,cmx_acc105,cmx_acc106,cmx_acc107}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb20,cmx_fb21}, {cmx_acc104,cmx_acc105,cmx_acc106,cmx_acc107};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc108,cmx_acc109,cmx_acc110,cmx_acc111}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb22,cmx_fb23}, {cmx_acc108,cmx_acc109,cmx_acc110,cmx_acc111};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc112,cmx_acc113,cmx_acc114,cmx_acc115}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb24,cmx_fb25}, {cmx_acc112,cmx_acc113,cmx_acc114,cmx_acc115};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc116,cmx_acc117,cmx_acc118,cmx_acc119}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb26,cmx_fb27}, {cmx_acc116,cmx_acc117,cmx_acc118,cmx_acc119};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc120,cmx_acc121,cmx_acc122,cmx_acc123}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb28,cmx_fb29}, {cmx_acc120,cmx_acc121,cmx_acc122,cmx_acc123};");
        CudaAsm.Emit("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {cmx_acc124,cmx_acc125,cmx_acc126,cmx_acc127}, {cmx_fa28,cmx_fa29,cmx_fa30,cmx_fa31}, {cmx_fb30,cmx_fb31}, {cmx_acc124,cmx_acc125,cmx_acc126,cmx_acc127};");
    }

    /// <summary>
    /// Moves accumulator fragment row <paramref name="fragment"/> (16 x 64) of this warp to its epilogue region:
    /// <paramref name="staged"/> is the lane's first float (row lane / 4, column 2 (lane % 4)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageFragment(int fragment, int staged)
    {
        switch (fragment)
        {
            case 0:
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+0], {cmx_acc0,cmx_acc1}; st.shared.v2.f32 [d+2176], {cmx_acc2,cmx_acc3}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+32], {cmx_acc4,cmx_acc5}; st.shared.v2.f32 [d+2208], {cmx_acc6,cmx_acc7}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+64], {cmx_acc8,cmx_acc9}; st.shared.v2.f32 [d+2240], {cmx_acc10,cmx_acc11}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+96], {cmx_acc12,cmx_acc13}; st.shared.v2.f32 [d+2272], {cmx_acc14,cmx_acc15}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+128], {cmx_acc16,cmx_acc17}; st.shared.v2.f32 [d+2304], {cmx_acc18,cmx_acc19}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+160], {cmx_acc20,cmx_acc21}; st.shared.v2.f32 [d+2336], {cmx_acc22,cmx_acc23}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+192], {cmx_acc24,cmx_acc25}; st.shared.v2.f32 [d+2368], {cmx_acc26,cmx_acc27}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+224], {cmx_acc28,cmx_acc29}; st.shared.v2.f32 [d+2400], {cmx_acc30,cmx_acc31}; }", staged);
                break;
            case 1:
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+0], {cmx_acc32,cmx_acc33}; st.shared.v2.f32 [d+2176], {cmx_acc34,cmx_acc35}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+32], {cmx_acc36,cmx_acc37}; st.shared.v2.f32 [d+2208], {cmx_acc38,cmx_acc39}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+64], {cmx_acc40,cmx_acc41}; st.shared.v2.f32 [d+2240], {cmx_acc42,cmx_acc43}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+96], {cmx_acc44,cmx_acc45}; st.shared.v2.f32 [d+2272], {cmx_acc46,cmx_acc47}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+128], {cmx_acc48,cmx_acc49}; st.shared.v2.f32 [d+2304], {cmx_acc50,cmx_acc51}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+160], {cmx_acc52,cmx_acc53}; st.shared.v2.f32 [d+2336], {cmx_acc54,cmx_acc55}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+192], {cmx_acc56,cmx_acc57}; st.shared.v2.f32 [d+2368], {cmx_acc58,cmx_acc59}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+224], {cmx_acc60,cmx_acc61}; st.shared.v2.f32 [d+2400], {cmx_acc62,cmx_acc63}; }", staged);
                break;
            case 2:
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+0], {cmx_acc64,cmx_acc65}; st.shared.v2.f32 [d+2176], {cmx_acc66,cmx_acc67}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+32], {cmx_acc68,cmx_acc69}; st.shared.v2.f32 [d+2208], {cmx_acc70,cmx_acc71}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+64], {cmx_acc72,cmx_acc73}; st.shared.v2.f32 [d+2240], {cmx_acc74,cmx_acc75}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+96], {cmx_acc76,cmx_acc77}; st.shared.v2.f32 [d+2272], {cmx_acc78,cmx_acc79}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+128], {cmx_acc80,cmx_acc81}; st.shared.v2.f32 [d+2304], {cmx_acc82,cmx_acc83}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+160], {cmx_acc84,cmx_acc85}; st.shared.v2.f32 [d+2336], {cmx_acc86,cmx_acc87}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+192], {cmx_acc88,cmx_acc89}; st.shared.v2.f32 [d+2368], {cmx_acc90,cmx_acc91}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+224], {cmx_acc92,cmx_acc93}; st.shared.v2.f32 [d+2400], {cmx_acc94,cmx_acc95}; }", staged);
                break;
            case 3:
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+0], {cmx_acc96,cmx_acc97}; st.shared.v2.f32 [d+2176], {cmx_acc98,cmx_acc99}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+32], {cmx_acc100,cmx_acc101}; st.shared.v2.f32 [d+2208], {cmx_acc102,cmx_acc103}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+64], {cmx_acc104,cmx_acc105}; st.shared.v2.f32 [d+2240], {cmx_acc106,cmx_acc107}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+96], {cmx_acc108,cmx_acc109}; st.shared.v2.f32 [d+2272], {cmx_acc110,cmx_acc111}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+128], {cmx_acc112,cmx_acc113}; st.shared.v2.f32 [d+2304], {cmx_acc114,cmx_acc115}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+160], {cmx_acc116,cmx_acc117}; st.shared.v2.f32 [d+2336], {cmx_acc118,cmx_acc119}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+192], {cmx_acc120,cmx_acc121}; st.shared.v2.f32 [d+2368], {cmx_acc122,cmx_acc123}; }", staged);
                CudaAsm.Emit("{ .reg .u32 d; add.u32 d, cmx_sbase, %0; st.shared.v2.f32 [d+224], {cmx_acc124,cmx_acc125}; st.shared.v2.f32 [d+2400], {cmx_acc126,cmx_acc127}; }", staged);
                break;
            default:
                break;
        }
    }
}
