using ILGPU;
using ILGPU.Runtime;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// The kernels of this assembly loaded on one ILGPU accelerator, with the launch geometry each needs. Every kernel is
/// compiled for the accelerator on its first use (then cached by ILGPU), and launched on the accelerator's default
/// stream, so launches run in the order they are made. Callers validate arguments; this class only launches. GEMM
/// runs on tensor cores when the launcher is made with <c>tensorCores</c> (a CUDA device of sm_80 or newer): the
/// <c>cp.async</c> kernel (<see cref="AsyncTensorCoreGemmKernels"/>) when every row of A and B starts on a 16-byte
/// boundary, the register-staged one (<see cref="TensorCoreGemmKernels"/>) otherwise; else on the SIMT kernel
/// (<see cref="IlgpuGemmKernels"/>).
/// </summary>
internal sealed class IlgpuKernelLauncher
{
    private readonly Accelerator _accelerator;
    private readonly Lazy<Action<KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, GemmKernelArguments>> _gemmSingle;
    private readonly Lazy<Action<KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<ushort>, GemmKernelArguments>> _gemmBFloat16;
    private readonly Lazy<Action<KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, GemmKernelArguments, int>> _tensorSingle;
    private readonly Lazy<Action<KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<ushort>, GemmKernelArguments, int>> _tensorBFloat16;
    private readonly Lazy<Action<KernelConfig, long, long, long, GemmKernelArguments>> _asyncSingle;
    private readonly Lazy<Action<KernelConfig, long, long, long, GemmKernelArguments>> _asyncBFloat16;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<ushort>>> _toBFloat16;
    private readonly Lazy<Action<Index1D, ArrayView<ushort>, ArrayView<float>>> _toSingle;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>> _addSingle;
    private readonly Lazy<Action<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>> _addBFloat16ToSingle;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<ushort>, ArrayView<float>>> _accumulateBFloat16;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>>> _finishBFloat16;
    private readonly Lazy<Action<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<ushort>>> _addBFloat16;
    private readonly Lazy<Action<Index1D, ArrayView<ushort>, ArrayView<ushort>>> _roundTripBFloat16;

    /// <summary>Prepares (lazily) every kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where the kernels run.</param>
    /// <param name="tensorCores">Whether GEMM runs on the tensor-core kernel; only for a CUDA accelerator of sm_80 or newer.</param>
    public IlgpuKernelLauncher(Accelerator accelerator, bool tensorCores = false)
    {
        _accelerator = accelerator;
        UsesTensorCores = tensorCores;
        _tensorSingle = new(() => accelerator.LoadStreamKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, GemmKernelArguments, int>(
            TensorCoreGemmKernels.GemmSingleOutput));
        _tensorBFloat16 = new(() => accelerator.LoadStreamKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<ushort>, GemmKernelArguments, int>(
            TensorCoreGemmKernels.GemmBFloat16Output));
        _asyncSingle = new(() => accelerator.LoadStreamKernel<long, long, long, GemmKernelArguments>(
            AsyncTensorCoreGemmKernels.GemmSingleOutput));
        _asyncBFloat16 = new(() => accelerator.LoadStreamKernel<long, long, long, GemmKernelArguments>(
            AsyncTensorCoreGemmKernels.GemmBFloat16Output));
        _gemmSingle = new(() => accelerator.LoadStreamKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>, GemmKernelArguments>(
            IlgpuGemmKernels.GemmSingleOutput));
        _gemmBFloat16 = new(() => accelerator.LoadStreamKernel<ArrayView<ushort>, ArrayView<ushort>, ArrayView<ushort>, GemmKernelArguments>(
            IlgpuGemmKernels.GemmBFloat16Output));
        _toBFloat16 = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>>(
            IlgpuElementwiseKernels.ConvertToBFloat16));
        _toSingle = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<float>>(
            IlgpuElementwiseKernels.ConvertToSingle));
        _addSingle = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
            IlgpuElementwiseKernels.AddSingle));
        _addBFloat16ToSingle = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>(
            IlgpuElementwiseKernels.AddBFloat16ToSingle));
        _accumulateBFloat16 = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>, ArrayView<float>>(
            IlgpuElementwiseKernels.AccumulateBFloat16));
        _finishBFloat16 = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>, ArrayView<ushort>>(
            IlgpuElementwiseKernels.FinishBFloat16));
        _addBFloat16 = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<ushort>>(
            IlgpuElementwiseKernels.AddBFloat16));
        _roundTripBFloat16 = new(() => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<ushort>>(
            IlgpuElementwiseKernels.RoundTripBFloat16));
    }

    /// <summary>The most matrices one batched GEMM launch can hold (the grid's z extent).</summary>
    public int MaxBatchCount => _accelerator.MaxGridSize.Z;

    /// <summary>Whether GEMM runs on the tensor-core kernel.</summary>
    public bool UsesTensorCores { get; }

    /// <summary>The GEMM kernel that runs, for reports.</summary>
    public string GemmKernelName => UsesTensorCores ? TensorCoreName : IlgpuGemmKernels.Name;

    /// <summary>The tensor-core GEMM, for reports: which of its two kernels runs depends on the operands' alignment.</summary>
    public const string TensorCoreName =
        "ilgpu-tensor-core (mma.sync m16n8k16 bf16, FP32 accumulate; 128x128x32 tiles, 64x64 per warp; cp.async and ldmatrix where A and B rows are 16-byte aligned, register-staged otherwise)";

    /// <summary>Launches a strided batched GEMM with an FP32 C.</summary>
    public void Gemm(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> c, GemmKernelArguments args, int batchCount) =>
        Launch(_asyncSingle, _tensorSingle, _gemmSingle, a, b, c, args, batchCount);

    /// <summary>Launches a strided batched GEMM with a bfloat16 C.</summary>
    public void Gemm(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<ushort> c, GemmKernelArguments args, int batchCount) =>
        Launch(_asyncBFloat16, _tensorBFloat16, _gemmBFloat16, a, b, c, args, batchCount);

    /// <summary>
    /// Picks the GEMM kernel: on tensor cores the <c>cp.async</c> one when A and B can be read 16 bytes at a time,
    /// else the register-staged one; the SIMT kernel without tensor cores.
    /// </summary>
    private void Launch<TC>(
        Lazy<Action<KernelConfig, long, long, long, GemmKernelArguments>> async,
        Lazy<Action<KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<TC>, GemmKernelArguments, int>> staged,
        Lazy<Action<KernelConfig, ArrayView<ushort>, ArrayView<ushort>, ArrayView<TC>, GemmKernelArguments>> simt,
        ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<TC> c, GemmKernelArguments args, int batchCount)
        where TC : unmanaged
    {
        if (!UsesTensorCores)
        {
            simt.Value(GemmConfig(args, batchCount), a, b, c, args);
            return;
        }

        int vector = VectorLoads(a, b, args, batchCount);
        if (vector == BothVector)
        {
            async.Value(TensorCoreConfig(args, batchCount), DeviceAddress(a), DeviceAddress(b), DeviceAddress(c), args);
        }
        else
        {
            staged.Value(TensorCoreConfig(args, batchCount), a, b, c, args, vector);
        }
    }

    /// <summary>
    /// The <see cref="TensorCoreGemmKernels.VectorA"/> / <see cref="TensorCoreGemmKernels.VectorB"/> flags: an operand
    /// may be read 8 elements (16 bytes) at a time when every row of every matrix of the batch starts on a multiple
    /// of 8 elements of a device allocation (which is at least 16-byte aligned).
    /// </summary>
    internal static int VectorLoads(ArrayView<ushort> a, ArrayView<ushort> b, GemmKernelArguments args, int batchCount) =>
        (Aligned(a, args.Lda, args.StrideA, batchCount) ? TensorCoreGemmKernels.VectorA : 0) |
        (Aligned(b, args.Ldb, args.StrideB, batchCount) ? TensorCoreGemmKernels.VectorB : 0);

    private const int BothVector = TensorCoreGemmKernels.VectorA | TensorCoreGemmKernels.VectorB;

    /// <summary>The device address of element 0 of <paramref name="view"/> (its allocation's address plus its offset).</summary>
    private static long DeviceAddress<T>(ArrayView<T> view)
        where T : unmanaged =>
        ((IArrayView)view).Buffer.NativePtr.ToInt64() + ((IContiguousArrayView)view).IndexInBytes;

    private static bool Aligned(ArrayView<ushort> view, int ld, long stride, int batchCount) =>
        ((IContiguousArrayView)view).Index % 8 == 0 && ld % 8 == 0 && (batchCount == 1 || stride % 8 == 0);

    /// <summary>Narrows FP32 to bfloat16 bits element-wise.</summary>
    public void ToBFloat16(ArrayView<float> source, ArrayView<ushort> destination)
    {
        if (source.Length > 0)
        {
            _toBFloat16.Value((int)source.Length, source, destination);
        }
    }

    /// <summary>Widens bfloat16 bits to FP32 element-wise.</summary>
    public void ToSingle(ArrayView<ushort> source, ArrayView<float> destination)
    {
        if (source.Length > 0)
        {
            _toSingle.Value((int)source.Length, source, destination);
        }
    }

    /// <summary>
    /// <c>destination = ((s0 + s1) + s2) + ...</c> in FP32. <paramref name="scratch"/> (FP32, at least the length)
    /// holds the partial sum when it may not live in <paramref name="destination"/>; it is needed only with three or
    /// more sources, one of which after the second is the destination itself.
    /// </summary>
    public void Sum(IReadOnlyList<ArrayView<float>> sources, ArrayView<float> destination, bool destinationIsLaterSource, Func<ArrayView<float>> scratch)
    {
        int length = (int)destination.Length;
        if (length == 0)
        {
            return;
        }

        if (sources.Count == 1)
        {
            sources[0].CopyTo(destination);
            return;
        }

        ArrayView<float> sum = sources.Count > 2 && destinationIsLaterSource ? scratch().SubView(0, length) : destination;
        _addSingle.Value(length, sources[0], sources[1], sources.Count == 2 ? destination : sum);
        for (int s = 2; s < sources.Count; s++)
        {
            _addSingle.Value(length, sum, sources[s], s == sources.Count - 1 ? destination : sum);
        }
    }

    /// <summary>
    /// <c>destination = round(((w(s0) + w(s1)) + w(s2)) + ...)</c>: widened inputs, FP32 partial sums in
    /// <paramref name="scratch"/> (needed with three or more sources), one rounding on store.
    /// </summary>
    public void Sum(IReadOnlyList<ArrayView<ushort>> sources, ArrayView<ushort> destination, Func<ArrayView<float>> scratch)
    {
        int length = (int)destination.Length;
        if (length == 0)
        {
            return;
        }

        switch (sources.Count)
        {
            case 1:
                _roundTripBFloat16.Value(length, sources[0], destination);
                return;
            case 2:
                _addBFloat16.Value(length, sources[0], sources[1], destination);
                return;
        }

        ArrayView<float> sum = scratch().SubView(0, length);
        _addBFloat16ToSingle.Value(length, sources[0], sources[1], sum);
        for (int s = 2; s < sources.Count - 1; s++)
        {
            _accumulateBFloat16.Value(length, sum, sources[s], sum);
        }

        _finishBFloat16.Value(length, sum, sources[^1], destination);
    }

    private static KernelConfig TensorCoreConfig(GemmKernelArguments args, int batchCount) => new(
        new Index3D(
            (args.N + TensorCoreLayout.TileCols - 1) / TensorCoreLayout.TileCols,
            (args.M + TensorCoreLayout.TileRows - 1) / TensorCoreLayout.TileRows,
            batchCount),
        new Index3D(TensorCoreLayout.GroupSize, 1, 1));

    private static KernelConfig GemmConfig(GemmKernelArguments args, int batchCount) => new(
        new Index3D(
            (args.N + IlgpuGemmKernels.TileCols - 1) / IlgpuGemmKernels.TileCols,
            (args.M + IlgpuGemmKernels.TileRows - 1) / IlgpuGemmKernels.TileRows,
            batchCount),
        new Index3D(IlgpuGemmKernels.GroupWidth, IlgpuGemmKernels.GroupHeight, 1));
}
