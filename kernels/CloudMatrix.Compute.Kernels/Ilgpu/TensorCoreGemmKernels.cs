using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime.Cuda;
using static CloudMatrix.Compute.Kernels.Ilgpu.TensorCoreLayout;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// BF16 GEMM on NVIDIA tensor cores (sm_80 and newer) through ILGPU inline PTX: <c>C = alpha * op(A) * op(B) +
/// beta * C</c> with the arguments, FP32 accumulation and NaN policy of <see cref="IlgpuGemmKernels"/>, over a strided
/// batch of matrices, for any M, N and K.
/// </summary>
/// <remarks>
/// <para>Blocking: a group of four warps computes a 128 x 128 tile of C, each warp a 64 x 64 block of it as 4 x 8
/// <c>mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32</c> products per 16-deep step (128 FP32 accumulators per
/// thread). For every 32-deep slice of K the group stages op(A) and op(B) in shared memory as k-pairs
/// (<see cref="TensorCoreLayout"/>), double-buffered: the global loads of the next slice are issued into registers
/// before the current slice is multiplied, and land in the other buffer after it, so one barrier per slice
/// suffices. Edges and the K tail are staged as zeros, so every shape is handled by bounds checks on loads and
/// stores alone; 128-bit global loads are used where the host found the operand 16-byte aligned
/// (<see cref="VectorA"/>, <see cref="VectorB"/>), element loads elsewhere and at the edges.</para>
/// <para>The accumulators live in PTX registers the kernel declares itself (<c>cmx_acc0 .. cmx_acc127</c>), not in
/// .NET locals: ILGPU passes an inline-PTX output through a local-memory slot, which would put every accumulator in
/// local memory. Only the epilogue reads them back, through shared memory: each warp moves one 16 x 64 slice at a
/// time to shared memory, then stores it to C row by row (32 consecutive elements per warp store), applying alpha,
/// beta and, for a bfloat16 C, one round to nearest even, exactly as the SIMT kernel does.</para>
/// <para>The PTX strings are literal because ILGPU takes only constant strings; that is why the 32 products and the
/// 128 accumulator moves are written out.</para>
/// </remarks>
internal static class TensorCoreGemmKernels
{
    /// <summary>What the kernel is, for reports.</summary>
    public const string Name = "ilgpu-tensor-core (mma.sync m16n8k16 bf16, FP32 accumulate; 128x128x32 tiles, 64x64 per warp)";

    /// <summary>The oldest CUDA architecture the kernel runs on, as major * 10 + minor (sm_80: bf16 <c>mma</c>).</summary>
    public const int MinimumArchitecture = 80;

    /// <summary>Flag of the <c>vectorLoads</c> argument: A may be read in aligned 8-element (16-byte) pieces.</summary>
    public const int VectorA = 1;

    /// <summary>Flag of the <c>vectorLoads</c> argument: B may be read in aligned 8-element (16-byte) pieces.</summary>
    public const int VectorB = 2;

    private const string Mma = "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 ";

    internal const string DeclareAccumulators = ".reg .f32 cmx_acc<128>;";

    internal const string ZeroAccumulators =
        "mov.f32 cmx_acc0, 0f00000000;\n\tmov.f32 cmx_acc1, 0f00000000;\n\tmov.f32 cmx_acc2, 0f00000000;\n\tmov.f32 cmx_acc3, 0f00000000;\n\tmov.f32 cmx_acc4, 0f00000000;\n\tmov.f32 cmx_acc5, 0f00000000;\n\tmov.f32 cmx_acc6, 0f00000000;\n\tmov.f32 cmx_acc7, 0f00000000;\n\t" +
        "mov.f32 cmx_acc8, 0f00000000;\n\tmov.f32 cmx_acc9, 0f00000000;\n\tmov.f32 cmx_acc10, 0f00000000;\n\tmov.f32 cmx_acc11, 0f00000000;\n\tmov.f32 cmx_acc12, 0f00000000;\n\tmov.f32 cmx_acc13, 0f00000000;\n\tmov.f32 cmx_acc14, 0f00000000;\n\tmov.f32 cmx_acc15, 0f00000000;\n\t" +
        "mov.f32 cmx_acc16, 0f00000000;\n\tmov.f32 cmx_acc17, 0f00000000;\n\tmov.f32 cmx_acc18, 0f00000000;\n\tmov.f32 cmx_acc19, 0f00000000;\n\tmov.f32 cmx_acc20, 0f00000000;\n\tmov.f32 cmx_acc21, 0f00000000;\n\tmov.f32 cmx_acc22, 0f00000000;\n\tmov.f32 cmx_acc23, 0f00000000;\n\t" +
        "mov.f32 cmx_acc24, 0f00000000;\n\tmov.f32 cmx_acc25, 0f00000000;\n\tmov.f32 cmx_acc26, 0f00000000;\n\tmov.f32 cmx_acc27, 0f00000000;\n\tmov.f32 cmx_acc28, 0f00000000;\n\tmov.f32 cmx_acc29, 0f00000000;\n\tmov.f32 cmx_acc30, 0f00000000;\n\tmov.f32 cmx_acc31, 0f00000000;\n\t" +
        "mov.f32 cmx_acc32, 0f00000000;\n\tmov.f32 cmx_acc33, 0f00000000;\n\tmov.f32 cmx_acc34, 0f00000000;\n\tmov.f32 cmx_acc35, 0f00000000;\n\tmov.f32 cmx_acc36, 0f00000000;\n\tmov.f32 cmx_acc37, 0f00000000;\n\tmov.f32 cmx_acc38, 0f00000000;\n\tmov.f32 cmx_acc39, 0f00000000;\n\t" +
        "mov.f32 cmx_acc40, 0f00000000;\n\tmov.f32 cmx_acc41, 0f00000000;\n\tmov.f32 cmx_acc42, 0f00000000;\n\tmov.f32 cmx_acc43, 0f00000000;\n\tmov.f32 cmx_acc44, 0f00000000;\n\tmov.f32 cmx_acc45, 0f00000000;\n\tmov.f32 cmx_acc46, 0f00000000;\n\tmov.f32 cmx_acc47, 0f00000000;\n\t" +
        "mov.f32 cmx_acc48, 0f00000000;\n\tmov.f32 cmx_acc49, 0f00000000;\n\tmov.f32 cmx_acc50, 0f00000000;\n\tmov.f32 cmx_acc51, 0f00000000;\n\tmov.f32 cmx_acc52, 0f00000000;\n\tmov.f32 cmx_acc53, 0f00000000;\n\tmov.f32 cmx_acc54, 0f00000000;\n\tmov.f32 cmx_acc55, 0f00000000;\n\t" +
        "mov.f32 cmx_acc56, 0f00000000;\n\tmov.f32 cmx_acc57, 0f00000000;\n\tmov.f32 cmx_acc58, 0f00000000;\n\tmov.f32 cmx_acc59, 0f00000000;\n\tmov.f32 cmx_acc60, 0f00000000;\n\tmov.f32 cmx_acc61, 0f00000000;\n\tmov.f32 cmx_acc62, 0f00000000;\n\tmov.f32 cmx_acc63, 0f00000000;\n\t" +
        "mov.f32 cmx_acc64, 0f00000000;\n\tmov.f32 cmx_acc65, 0f00000000;\n\tmov.f32 cmx_acc66, 0f00000000;\n\tmov.f32 cmx_acc67, 0f00000000;\n\tmov.f32 cmx_acc68, 0f00000000;\n\tmov.f32 cmx_acc69, 0f00000000;\n\tmov.f32 cmx_acc70, 0f00000000;\n\tmov.f32 cmx_acc71, 0f00000000;\n\t" +
        "mov.f32 cmx_acc72, 0f00000000;\n\tmov.f32 cmx_acc73, 0f00000000;\n\tmov.f32 cmx_acc74, 0f00000000;\n\tmov.f32 cmx_acc75, 0f00000000;\n\tmov.f32 cmx_acc76, 0f00000000;\n\tmov.f32 cmx_acc77, 0f00000000;\n\tmov.f32 cmx_acc78, 0f00000000;\n\tmov.f32 cmx_acc79, 0f00000000;\n\t" +
        "mov.f32 cmx_acc80, 0f00000000;\n\tmov.f32 cmx_acc81, 0f00000000;\n\tmov.f32 cmx_acc82, 0f00000000;\n\tmov.f32 cmx_acc83, 0f00000000;\n\tmov.f32 cmx_acc84, 0f00000000;\n\tmov.f32 cmx_acc85, 0f00000000;\n\tmov.f32 cmx_acc86, 0f00000000;\n\tmov.f32 cmx_acc87, 0f00000000;\n\t" +
        "mov.f32 cmx_acc88, 0f00000000;\n\tmov.f32 cmx_acc89, 0f00000000;\n\tmov.f32 cmx_acc90, 0f00000000;\n\tmov.f32 cmx_acc91, 0f00000000;\n\tmov.f32 cmx_acc92, 0f00000000;\n\tmov.f32 cmx_acc93, 0f00000000;\n\tmov.f32 cmx_acc94, 0f00000000;\n\tmov.f32 cmx_acc95, 0f00000000;\n\t" +
        "mov.f32 cmx_acc96, 0f00000000;\n\tmov.f32 cmx_acc97, 0f00000000;\n\tmov.f32 cmx_acc98, 0f00000000;\n\tmov.f32 cmx_acc99, 0f00000000;\n\tmov.f32 cmx_acc100, 0f00000000;\n\tmov.f32 cmx_acc101, 0f00000000;\n\tmov.f32 cmx_acc102, 0f00000000;\n\tmov.f32 cmx_acc103, 0f00000000;\n\t" +
        "mov.f32 cmx_acc104, 0f00000000;\n\tmov.f32 cmx_acc105, 0f00000000;\n\tmov.f32 cmx_acc106, 0f00000000;\n\tmov.f32 cmx_acc107, 0f00000000;\n\tmov.f32 cmx_acc108, 0f00000000;\n\tmov.f32 cmx_acc109, 0f00000000;\n\tmov.f32 cmx_acc110, 0f00000000;\n\tmov.f32 cmx_acc111, 0f00000000;\n\t" +
        "mov.f32 cmx_acc112, 0f00000000;\n\tmov.f32 cmx_acc113, 0f00000000;\n\tmov.f32 cmx_acc114, 0f00000000;\n\tmov.f32 cmx_acc115, 0f00000000;\n\tmov.f32 cmx_acc116, 0f00000000;\n\tmov.f32 cmx_acc117, 0f00000000;\n\tmov.f32 cmx_acc118, 0f00000000;\n\tmov.f32 cmx_acc119, 0f00000000;\n\t" +
        "mov.f32 cmx_acc120, 0f00000000;\n\tmov.f32 cmx_acc121, 0f00000000;\n\tmov.f32 cmx_acc122, 0f00000000;\n\tmov.f32 cmx_acc123, 0f00000000;\n\tmov.f32 cmx_acc124, 0f00000000;\n\tmov.f32 cmx_acc125, 0f00000000;\n\tmov.f32 cmx_acc126, 0f00000000;\n\tmov.f32 cmx_acc127, 0f00000000;";

    /// <summary>Floats between staged rows of C in the epilogue (64 and 4 of padding).</summary>
    private const int StageStride = WarpTile + 4;

    /// <summary>Floats of one warp's 16 x 64 epilogue slice.</summary>
    private const int StageFloats = 16 * StageStride;

    /// <summary>Words of one buffer: an op(A) tile and an op(B) tile.</summary>
    private const int BufferWords = 2 * TileWords;

    /// <summary>Words of shared memory: two buffers (40 KiB; the epilogue reuses 17 KiB of it).</summary>
    private const int SharedWords = 2 * BufferWords;

    /// <summary>GEMM with an FP32 C.</summary>
    [IlgpuKernel(explicitlyGrouped: true, MinimumCudaArchitecture = MinimumArchitecture)]
    public static void GemmSingleOutput(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> c, GemmKernelArguments args, int vectorLoads)
    {
        ArrayView<Word4> shared = SharedMemory.Allocate<Word4>(SharedWords / 4);
        int rowBase = Grid.IdxY * TileRows;
        int colBase = Grid.IdxX * TileCols;
        long batch = Grid.IdxZ;
        Accumulate(a, b, args, vectorLoads, shared.Cast<uint>(), rowBase, colBase, batch);

        int thread = Group.IdxX;
        int lane = thread & 31;
        int warp = thread >> 5;
        (int warpRow, int warpCol) = WarpOrigin(warp);
        int warpStage = warp * StageFloats;
        ArrayView<float> stage = shared.Cast<float>();
        long cBase = batch * args.StrideC;
        for (int fragment = 0; fragment < 4; fragment++)
        {
            Stage(stage, fragment, warpStage, lane);
            Warp.Barrier();
            int firstRow = rowBase + warpRow + (16 * fragment);
            int firstCol = colBase + warpCol + lane;
            for (int r = 0; r < 16; r++)
            {
                int row = firstRow + r;
                if (row < args.M)
                {
                    long rowStart = cBase + ((long)row * args.Ldc);
                    int staged = warpStage + (r * StageStride) + lane;
                    StoreSingle(c, rowStart, args, stage[staged], firstCol);
                    StoreSingle(c, rowStart, args, stage[staged + 32], firstCol + 32);
                }
            }

            Warp.Barrier();
        }
    }

    /// <summary>GEMM with a bfloat16 C (raw bits): one round to nearest even per stored element.</summary>
    [IlgpuKernel(explicitlyGrouped: true, MinimumCudaArchitecture = MinimumArchitecture)]
    public static void GemmBFloat16Output(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<ushort> c, GemmKernelArguments args, int vectorLoads)
    {
        ArrayView<Word4> shared = SharedMemory.Allocate<Word4>(SharedWords / 4);
        int rowBase = Grid.IdxY * TileRows;
        int colBase = Grid.IdxX * TileCols;
        long batch = Grid.IdxZ;
        Accumulate(a, b, args, vectorLoads, shared.Cast<uint>(), rowBase, colBase, batch);

        int thread = Group.IdxX;
        int lane = thread & 31;
        int warp = thread >> 5;
        (int warpRow, int warpCol) = WarpOrigin(warp);
        int warpStage = warp * StageFloats;
        ArrayView<float> stage = shared.Cast<float>();
        long cBase = batch * args.StrideC;
        for (int fragment = 0; fragment < 4; fragment++)
        {
            Stage(stage, fragment, warpStage, lane);
            Warp.Barrier();
            int firstRow = rowBase + warpRow + (16 * fragment);
            int firstCol = colBase + warpCol + lane;
            for (int r = 0; r < 16; r++)
            {
                int row = firstRow + r;
                if (row < args.M)
                {
                    long rowStart = cBase + ((long)row * args.Ldc);
                    int staged = warpStage + (r * StageStride) + lane;
                    StoreBFloat16(c, rowStart, args, stage[staged], firstCol);
                    StoreBFloat16(c, rowStart, args, stage[staged + 32], firstCol + 32);
                }
            }

            Warp.Barrier();
        }
    }

    /// <summary>
    /// The group's main loop; leaves the thread's 128 sums of its warp's 64 x 64 block in <c>cmx_acc0 ..
    /// cmx_acc127</c> (products <c>(mi, ni)</c> of fragment rows <c>mi</c> and columns <c>ni</c> in registers
    /// <c>4 (8 mi + ni) .. 4 (8 mi + ni) + 3</c>) and shared memory free for the epilogue.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(
        ArrayView<ushort> a, ArrayView<ushort> b, GemmKernelArguments args, int vectorLoads, ArrayView<uint> staged,
        int rowBase, int colBase, long batch)
    {
        CudaAsm.Emit(DeclareAccumulators);
        CudaAsm.Emit(ZeroAccumulators);
        int thread = Group.IdxX;
        int lane = thread & 31;
        (int warpRow, int warpCol) = WarpOrigin(thread >> 5);

        // op(A) = A and op(B) = B^T have K contiguous in memory; the other two are staged from strips across rows.
        bool aAlongK = args.TransposeA == 0;
        bool bAlongK = args.TransposeB != 0;
        bool aVector = (vectorLoads & VectorA) != 0;
        bool bVector = (vectorLoads & VectorB) != 0;
        long aBase = batch * args.StrideA;
        long bBase = batch * args.StrideB;

        Chunk8 a0 = Fetch(a, aBase, args.Lda, aAlongK, aVector, rowBase, args.M, 0, args.K, thread);
        Chunk8 a1 = Fetch(a, aBase, args.Lda, aAlongK, aVector, rowBase, args.M, 0, args.K, thread + GroupSize);
        Chunk8 b0 = Fetch(b, bBase, args.Ldb, bAlongK, bVector, colBase, args.N, 0, args.K, thread);
        Chunk8 b1 = Fetch(b, bBase, args.Ldb, bAlongK, bVector, colBase, args.N, 0, args.K, thread + GroupSize);
        int slices = (args.K + TileDepth - 1) / TileDepth;
        for (int slice = 0; slice < slices; slice++)
        {
            int aTile = (slice & 1) * BufferWords;
            int bTile = aTile + TileWords;
            Stash(staged, aTile, aAlongK, thread, a0);
            Stash(staged, aTile, aAlongK, thread + GroupSize, a1);
            Stash(staged, bTile, bAlongK, thread, b0);
            Stash(staged, bTile, bAlongK, thread + GroupSize, b1);
            Group.Barrier();

            if (slice + 1 < slices)
            {
                int k0 = (slice + 1) * TileDepth;
                a0 = Fetch(a, aBase, args.Lda, aAlongK, aVector, rowBase, args.M, k0, args.K, thread);
                a1 = Fetch(a, aBase, args.Lda, aAlongK, aVector, rowBase, args.M, k0, args.K, thread + GroupSize);
                b0 = Fetch(b, bBase, args.Ldb, bAlongK, bVector, colBase, args.N, k0, args.K, thread);
                b1 = Fetch(b, bBase, args.Ldb, bAlongK, bVector, colBase, args.N, k0, args.K, thread + GroupSize);
            }

            MultiplyStep(staged, aTile, bTile, 0, lane, warpRow, warpCol);
            MultiplyStep(staged, aTile, bTile, 1, lane, warpRow, warpCol);
        }

        // Every warp is done reading the tiles before the epilogue reuses the memory.
        Group.Barrier();
    }

    /// <summary>One 16-deep step of the warp's 64 x 64 block: 4 A fragments, 8 B fragments, 32 products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyStep(ArrayView<uint> staged, int aBase, int bBase, int step, int lane, int warpRow, int warpCol)
    {
        uint a00 = staged[aBase + AFragmentWord(warpRow, step, lane, 0)];
        uint a01 = staged[aBase + AFragmentWord(warpRow, step, lane, 1)];
        uint a02 = staged[aBase + AFragmentWord(warpRow, step, lane, 2)];
        uint a03 = staged[aBase + AFragmentWord(warpRow, step, lane, 3)];
        uint a10 = staged[aBase + AFragmentWord(warpRow + 16, step, lane, 0)];
        uint a11 = staged[aBase + AFragmentWord(warpRow + 16, step, lane, 1)];
        uint a12 = staged[aBase + AFragmentWord(warpRow + 16, step, lane, 2)];
        uint a13 = staged[aBase + AFragmentWord(warpRow + 16, step, lane, 3)];
        uint a20 = staged[aBase + AFragmentWord(warpRow + 32, step, lane, 0)];
        uint a21 = staged[aBase + AFragmentWord(warpRow + 32, step, lane, 1)];
        uint a22 = staged[aBase + AFragmentWord(warpRow + 32, step, lane, 2)];
        uint a23 = staged[aBase + AFragmentWord(warpRow + 32, step, lane, 3)];
        uint a30 = staged[aBase + AFragmentWord(warpRow + 48, step, lane, 0)];
        uint a31 = staged[aBase + AFragmentWord(warpRow + 48, step, lane, 1)];
        uint a32 = staged[aBase + AFragmentWord(warpRow + 48, step, lane, 2)];
        uint a33 = staged[aBase + AFragmentWord(warpRow + 48, step, lane, 3)];
        uint b0;
        uint b1;
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 0, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 0, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc0,cmx_acc1,cmx_acc2,cmx_acc3}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc0,cmx_acc1,cmx_acc2,cmx_acc3};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc32,cmx_acc33,cmx_acc34,cmx_acc35}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc32,cmx_acc33,cmx_acc34,cmx_acc35};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc64,cmx_acc65,cmx_acc66,cmx_acc67}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc64,cmx_acc65,cmx_acc66,cmx_acc67};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc96,cmx_acc97,cmx_acc98,cmx_acc99}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc96,cmx_acc97,cmx_acc98,cmx_acc99};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 8, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 8, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc4,cmx_acc5,cmx_acc6,cmx_acc7}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc4,cmx_acc5,cmx_acc6,cmx_acc7};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc36,cmx_acc37,cmx_acc38,cmx_acc39}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc36,cmx_acc37,cmx_acc38,cmx_acc39};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc68,cmx_acc69,cmx_acc70,cmx_acc71}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc68,cmx_acc69,cmx_acc70,cmx_acc71};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc100,cmx_acc101,cmx_acc102,cmx_acc103}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc100,cmx_acc101,cmx_acc102,cmx_acc103};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 16, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 16, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc8,cmx_acc9,cmx_acc10,cmx_acc11}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc8,cmx_acc9,cmx_acc10,cmx_acc11};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc40,cmx_acc41,cmx_acc42,cmx_acc43}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc40,cmx_acc41,cmx_acc42,cmx_acc43};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc72,cmx_acc73,cmx_acc74,cmx_acc75}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc72,cmx_acc73,cmx_acc74,cmx_acc75};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc104,cmx_acc105,cmx_acc106,cmx_acc107}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc104,cmx_acc105,cmx_acc106,cmx_acc107};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 24, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 24, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc12,cmx_acc13,cmx_acc14,cmx_acc15}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc12,cmx_acc13,cmx_acc14,cmx_acc15};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc44,cmx_acc45,cmx_acc46,cmx_acc47}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc44,cmx_acc45,cmx_acc46,cmx_acc47};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc76,cmx_acc77,cmx_acc78,cmx_acc79}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc76,cmx_acc77,cmx_acc78,cmx_acc79};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc108,cmx_acc109,cmx_acc110,cmx_acc111}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc108,cmx_acc109,cmx_acc110,cmx_acc111};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 32, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 32, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc16,cmx_acc17,cmx_acc18,cmx_acc19}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc16,cmx_acc17,cmx_acc18,cmx_acc19};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc48,cmx_acc49,cmx_acc50,cmx_acc51}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc48,cmx_acc49,cmx_acc50,cmx_acc51};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc80,cmx_acc81,cmx_acc82,cmx_acc83}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc80,cmx_acc81,cmx_acc82,cmx_acc83};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc112,cmx_acc113,cmx_acc114,cmx_acc115}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc112,cmx_acc113,cmx_acc114,cmx_acc115};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 40, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 40, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc20,cmx_acc21,cmx_acc22,cmx_acc23}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc20,cmx_acc21,cmx_acc22,cmx_acc23};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc52,cmx_acc53,cmx_acc54,cmx_acc55}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc52,cmx_acc53,cmx_acc54,cmx_acc55};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc84,cmx_acc85,cmx_acc86,cmx_acc87}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc84,cmx_acc85,cmx_acc86,cmx_acc87};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc116,cmx_acc117,cmx_acc118,cmx_acc119}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc116,cmx_acc117,cmx_acc118,cmx_acc119};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 48, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 48, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc24,cmx_acc25,cmx_acc26,cmx_acc27}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc24,cmx_acc25,cmx_acc26,cmx_acc27};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc56,cmx_acc57,cmx_acc58,cmx_acc59}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc56,cmx_acc57,cmx_acc58,cmx_acc59};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc88,cmx_acc89,cmx_acc90,cmx_acc91}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc88,cmx_acc89,cmx_acc90,cmx_acc91};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc120,cmx_acc121,cmx_acc122,cmx_acc123}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc120,cmx_acc121,cmx_acc122,cmx_acc123};", a30, a31, a32, a33, b0, b1);
        b0 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 56, step, lane, 0)];
        b1 = staged[bBase + TensorCoreLayout.BFragmentWord(warpCol + 56, step, lane, 1)];
        CudaAsm.Emit(Mma + "{cmx_acc28,cmx_acc29,cmx_acc30,cmx_acc31}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc28,cmx_acc29,cmx_acc30,cmx_acc31};", a00, a01, a02, a03, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc60,cmx_acc61,cmx_acc62,cmx_acc63}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc60,cmx_acc61,cmx_acc62,cmx_acc63};", a10, a11, a12, a13, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc92,cmx_acc93,cmx_acc94,cmx_acc95}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc92,cmx_acc93,cmx_acc94,cmx_acc95};", a20, a21, a22, a23, b0, b1);
        CudaAsm.Emit(Mma + "{cmx_acc124,cmx_acc125,cmx_acc126,cmx_acc127}, {%0,%1,%2,%3}, {%4,%5}, {cmx_acc124,cmx_acc125,cmx_acc126,cmx_acc127};", a30, a31, a32, a33, b0, b1);
    }

    /// <summary>Moves accumulator fragment row <paramref name="fragment"/> (16 x 64) of this warp to shared memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stage(ArrayView<float> stage, int fragment, int warpStage, int lane)
    {
        switch (fragment)
        {
            case 0:
                CudaAsm.Emit("mov.f32 %0, cmx_acc0;", out stage[StageSlot(warpStage, lane, 0, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc1;", out stage[StageSlot(warpStage, lane, 0, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc2;", out stage[StageSlot(warpStage, lane, 0, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc3;", out stage[StageSlot(warpStage, lane, 0, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc4;", out stage[StageSlot(warpStage, lane, 1, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc5;", out stage[StageSlot(warpStage, lane, 1, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc6;", out stage[StageSlot(warpStage, lane, 1, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc7;", out stage[StageSlot(warpStage, lane, 1, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc8;", out stage[StageSlot(warpStage, lane, 2, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc9;", out stage[StageSlot(warpStage, lane, 2, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc10;", out stage[StageSlot(warpStage, lane, 2, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc11;", out stage[StageSlot(warpStage, lane, 2, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc12;", out stage[StageSlot(warpStage, lane, 3, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc13;", out stage[StageSlot(warpStage, lane, 3, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc14;", out stage[StageSlot(warpStage, lane, 3, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc15;", out stage[StageSlot(warpStage, lane, 3, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc16;", out stage[StageSlot(warpStage, lane, 4, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc17;", out stage[StageSlot(warpStage, lane, 4, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc18;", out stage[StageSlot(warpStage, lane, 4, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc19;", out stage[StageSlot(warpStage, lane, 4, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc20;", out stage[StageSlot(warpStage, lane, 5, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc21;", out stage[StageSlot(warpStage, lane, 5, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc22;", out stage[StageSlot(warpStage, lane, 5, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc23;", out stage[StageSlot(warpStage, lane, 5, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc24;", out stage[StageSlot(warpStage, lane, 6, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc25;", out stage[StageSlot(warpStage, lane, 6, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc26;", out stage[StageSlot(warpStage, lane, 6, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc27;", out stage[StageSlot(warpStage, lane, 6, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc28;", out stage[StageSlot(warpStage, lane, 7, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc29;", out stage[StageSlot(warpStage, lane, 7, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc30;", out stage[StageSlot(warpStage, lane, 7, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc31;", out stage[StageSlot(warpStage, lane, 7, 3)]);
                break;
            case 1:
                CudaAsm.Emit("mov.f32 %0, cmx_acc32;", out stage[StageSlot(warpStage, lane, 0, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc33;", out stage[StageSlot(warpStage, lane, 0, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc34;", out stage[StageSlot(warpStage, lane, 0, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc35;", out stage[StageSlot(warpStage, lane, 0, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc36;", out stage[StageSlot(warpStage, lane, 1, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc37;", out stage[StageSlot(warpStage, lane, 1, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc38;", out stage[StageSlot(warpStage, lane, 1, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc39;", out stage[StageSlot(warpStage, lane, 1, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc40;", out stage[StageSlot(warpStage, lane, 2, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc41;", out stage[StageSlot(warpStage, lane, 2, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc42;", out stage[StageSlot(warpStage, lane, 2, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc43;", out stage[StageSlot(warpStage, lane, 2, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc44;", out stage[StageSlot(warpStage, lane, 3, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc45;", out stage[StageSlot(warpStage, lane, 3, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc46;", out stage[StageSlot(warpStage, lane, 3, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc47;", out stage[StageSlot(warpStage, lane, 3, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc48;", out stage[StageSlot(warpStage, lane, 4, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc49;", out stage[StageSlot(warpStage, lane, 4, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc50;", out stage[StageSlot(warpStage, lane, 4, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc51;", out stage[StageSlot(warpStage, lane, 4, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc52;", out stage[StageSlot(warpStage, lane, 5, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc53;", out stage[StageSlot(warpStage, lane, 5, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc54;", out stage[StageSlot(warpStage, lane, 5, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc55;", out stage[StageSlot(warpStage, lane, 5, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc56;", out stage[StageSlot(warpStage, lane, 6, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc57;", out stage[StageSlot(warpStage, lane, 6, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc58;", out stage[StageSlot(warpStage, lane, 6, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc59;", out stage[StageSlot(warpStage, lane, 6, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc60;", out stage[StageSlot(warpStage, lane, 7, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc61;", out stage[StageSlot(warpStage, lane, 7, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc62;", out stage[StageSlot(warpStage, lane, 7, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc63;", out stage[StageSlot(warpStage, lane, 7, 3)]);
                break;
            case 2:
                CudaAsm.Emit("mov.f32 %0, cmx_acc64;", out stage[StageSlot(warpStage, lane, 0, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc65;", out stage[StageSlot(warpStage, lane, 0, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc66;", out stage[StageSlot(warpStage, lane, 0, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc67;", out stage[StageSlot(warpStage, lane, 0, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc68;", out stage[StageSlot(warpStage, lane, 1, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc69;", out stage[StageSlot(warpStage, lane, 1, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc70;", out stage[StageSlot(warpStage, lane, 1, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc71;", out stage[StageSlot(warpStage, lane, 1, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc72;", out stage[StageSlot(warpStage, lane, 2, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc73;", out stage[StageSlot(warpStage, lane, 2, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc74;", out stage[StageSlot(warpStage, lane, 2, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc75;", out stage[StageSlot(warpStage, lane, 2, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc76;", out stage[StageSlot(warpStage, lane, 3, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc77;", out stage[StageSlot(warpStage, lane, 3, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc78;", out stage[StageSlot(warpStage, lane, 3, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc79;", out stage[StageSlot(warpStage, lane, 3, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc80;", out stage[StageSlot(warpStage, lane, 4, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc81;", out stage[StageSlot(warpStage, lane, 4, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc82;", out stage[StageSlot(warpStage, lane, 4, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc83;", out stage[StageSlot(warpStage, lane, 4, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc84;", out stage[StageSlot(warpStage, lane, 5, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc85;", out stage[StageSlot(warpStage, lane, 5, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc86;", out stage[StageSlot(warpStage, lane, 5, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc87;", out stage[StageSlot(warpStage, lane, 5, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc88;", out stage[StageSlot(warpStage, lane, 6, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc89;", out stage[StageSlot(warpStage, lane, 6, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc90;", out stage[StageSlot(warpStage, lane, 6, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc91;", out stage[StageSlot(warpStage, lane, 6, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc92;", out stage[StageSlot(warpStage, lane, 7, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc93;", out stage[StageSlot(warpStage, lane, 7, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc94;", out stage[StageSlot(warpStage, lane, 7, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc95;", out stage[StageSlot(warpStage, lane, 7, 3)]);
                break;
            case 3:
                CudaAsm.Emit("mov.f32 %0, cmx_acc96;", out stage[StageSlot(warpStage, lane, 0, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc97;", out stage[StageSlot(warpStage, lane, 0, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc98;", out stage[StageSlot(warpStage, lane, 0, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc99;", out stage[StageSlot(warpStage, lane, 0, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc100;", out stage[StageSlot(warpStage, lane, 1, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc101;", out stage[StageSlot(warpStage, lane, 1, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc102;", out stage[StageSlot(warpStage, lane, 1, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc103;", out stage[StageSlot(warpStage, lane, 1, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc104;", out stage[StageSlot(warpStage, lane, 2, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc105;", out stage[StageSlot(warpStage, lane, 2, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc106;", out stage[StageSlot(warpStage, lane, 2, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc107;", out stage[StageSlot(warpStage, lane, 2, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc108;", out stage[StageSlot(warpStage, lane, 3, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc109;", out stage[StageSlot(warpStage, lane, 3, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc110;", out stage[StageSlot(warpStage, lane, 3, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc111;", out stage[StageSlot(warpStage, lane, 3, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc112;", out stage[StageSlot(warpStage, lane, 4, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc113;", out stage[StageSlot(warpStage, lane, 4, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc114;", out stage[StageSlot(warpStage, lane, 4, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc115;", out stage[StageSlot(warpStage, lane, 4, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc116;", out stage[StageSlot(warpStage, lane, 5, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc117;", out stage[StageSlot(warpStage, lane, 5, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc118;", out stage[StageSlot(warpStage, lane, 5, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc119;", out stage[StageSlot(warpStage, lane, 5, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc120;", out stage[StageSlot(warpStage, lane, 6, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc121;", out stage[StageSlot(warpStage, lane, 6, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc122;", out stage[StageSlot(warpStage, lane, 6, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc123;", out stage[StageSlot(warpStage, lane, 6, 3)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc124;", out stage[StageSlot(warpStage, lane, 7, 0)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc125;", out stage[StageSlot(warpStage, lane, 7, 1)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc126;", out stage[StageSlot(warpStage, lane, 7, 2)]);
                CudaAsm.Emit("mov.f32 %0, cmx_acc127;", out stage[StageSlot(warpStage, lane, 7, 3)]);
                break;
            default:
                break;
        }
    }

    /// <summary>The staged float of accumulator register <paramref name="register"/> of n-fragment <paramref name="fragment"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StageSlot(int warpStage, int lane, int fragment, int register)
    {
        (int row, int col) = AccumulatorElement(lane, register);
        return warpStage + (row * StageStride) + (8 * fragment) + col;
    }

    /// <summary>
    /// Loads chunk <paramref name="chunk"/> of the operand tile whose first row (of op(A)) or column (of op(B)) is
    /// <paramref name="tileBase"/>, at K offset <paramref name="k0"/>; zeros outside <paramref name="rows"/> x
    /// <paramref name="depth"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Chunk8 Fetch(
        ArrayView<ushort> x, long xBase, int ld, bool alongK, bool vector, int tileBase, int rows, int k0, int depth, int chunk)
    {
        (int r, int pair) = ChunkOrigin(alongK, chunk);
        int row = tileBase + r;
        int k = k0 + (2 * pair);
        if (alongK)
        {
            // 16 consecutive k of one row.
            long start = xBase + ((long)row * ld) + k;
            if (vector && row < rows && k + 16 <= depth)
            {
                ArrayView<Word4> words = x.Cast<Word4>();
                long word = start >> 3;
                return new Chunk8(words[word], words[word + 1]);
            }

            bool inside = row < rows;
            return new Chunk8(Elements(x, start, 1, inside, depth - k), Elements(x, start + 8, 1, inside, depth - k - 8));
        }

        // Eight consecutive rows at k and at k + 1, interleaved into k-pairs.
        Word4 low = Strip(x, xBase, ld, vector, row, rows, k, depth);
        Word4 high = Strip(x, xBase, ld, vector, row, rows, k + 1, depth);
        return new Chunk8(
            new Word4(PairLow(low.X, high.X), PairHigh(low.X, high.X), PairLow(low.Y, high.Y), PairHigh(low.Y, high.Y)),
            new Word4(PairLow(low.Z, high.Z), PairHigh(low.Z, high.Z), PairLow(low.W, high.W), PairHigh(low.W, high.W)));
    }

    /// <summary>Elements <c>row .. row + 7</c> of K index <paramref name="k"/> (stored contiguously), zeros outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Word4 Strip(ArrayView<ushort> x, long xBase, int ld, bool vector, int row, int rows, int k, int depth)
    {
        long start = xBase + ((long)k * ld) + row;
        if (vector && k < depth && row + 8 <= rows)
        {
            return x.Cast<Word4>()[start >> 3];
        }

        return Elements(x, start, 1, k < depth, rows - row);
    }

    /// <summary>
    /// Eight elements from <paramref name="start"/>, <paramref name="step"/> apart, packed two per word (the first in
    /// the low half); element <c>e</c> is read only when <paramref name="inside"/> and <c>e &lt; available</c>, else 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Word4 Elements(ArrayView<ushort> x, long start, int step, bool inside, int available) => new(
        Pair(Element(x, start, step, 0, inside, available), Element(x, start, step, 1, inside, available)),
        Pair(Element(x, start, step, 2, inside, available), Element(x, start, step, 3, inside, available)),
        Pair(Element(x, start, step, 4, inside, available), Element(x, start, step, 5, inside, available)),
        Pair(Element(x, start, step, 6, inside, available), Element(x, start, step, 7, inside, available)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Element(ArrayView<ushort> x, long start, int step, int e, bool inside, int available) =>
        inside && e < available ? x[start + ((long)e * step)] : 0u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Pair(uint low, uint high) => low | (high << 16);

    /// <summary>The pair of the first elements of two packed words: the low halves of <paramref name="atK"/> and <paramref name="atNextK"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint PairLow(uint atK, uint atNextK) => (atK & 0xFFFFu) | (atNextK << 16);

    /// <summary>The pair of the second elements of two packed words: their high halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint PairHigh(uint atK, uint atNextK) => (atK >> 16) | (atNextK & 0xFFFF0000u);

    /// <summary>Writes chunk <paramref name="chunk"/> into the operand tile that starts at word <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stash(ArrayView<uint> staged, int tile, bool alongK, int chunk, Chunk8 values)
    {
        if (alongK)
        {
            // Eight consecutive words of one row, 16-byte aligned: two 128-bit stores.
            ArrayView<Word4> words = staged.Cast<Word4>();
            int word = (tile + StagedWord(true, chunk, 0)) >> 2;
            words[word] = values.Low;
            words[word + 1] = values.High;
            return;
        }

        staged[tile + StagedWord(false, chunk, 0)] = values.Low.X;
        staged[tile + StagedWord(false, chunk, 1)] = values.Low.Y;
        staged[tile + StagedWord(false, chunk, 2)] = values.Low.Z;
        staged[tile + StagedWord(false, chunk, 3)] = values.Low.W;
        staged[tile + StagedWord(false, chunk, 4)] = values.High.X;
        staged[tile + StagedWord(false, chunk, 5)] = values.High.Y;
        staged[tile + StagedWord(false, chunk, 6)] = values.High.Z;
        staged[tile + StagedWord(false, chunk, 7)] = values.High.W;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSingle(ArrayView<float> c, long rowStart, GemmKernelArguments args, float sum, int col)
    {
        if (col < args.N)
        {
            long index = rowStart + col;
            // beta == 0: C is write-only (BLAS), so NaN already in C does not propagate.
            c[index] = args.Beta == 0f ? args.Alpha * sum : (args.Alpha * sum) + (args.Beta * c[index]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

/// <summary>Four 32-bit words, 16-byte aligned: ILGPU moves one with a single 128-bit load or store.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal readonly struct Word4(uint x, uint y, uint z, uint w)
{
    public readonly uint X = x;
    public readonly uint Y = y;
    public readonly uint Z = z;
    public readonly uint W = w;
}

/// <summary>A staging chunk: 16 bfloat16 elements as 8 k-pair words, <see cref="Low"/> holding words 0 .. 3.</summary>
internal readonly struct Chunk8(Word4 low, Word4 high)
{
    public readonly Word4 Low = low;
    public readonly Word4 High = high;
}
