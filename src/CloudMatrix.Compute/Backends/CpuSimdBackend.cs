using System.Runtime.Intrinsics;
using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Kernels.Ilgpu;
using CloudMatrix.Compute.Kernels.Reduce;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Backends;

/// <summary>
/// <c>cpu-simd</c>: the SIMD CPU kernels of CloudMatrix.Compute.Kernels on host memory (<see cref="BFloat16Gemm"/>,
/// <see cref="BufferSum"/>, <see cref="BFloat16Convert"/>). Always available; operations complete before they return.
/// </summary>
internal sealed class CpuSimdBackend : ComputeBackend
{
    public const string BackendName = "cpu-simd";

    public override string Name => BackendName;

    public override string DeviceName { get; } = Describe();

    /// <summary>What the GC lets this process use (physical memory, or the container's limit).</summary>
    public override long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public override void Synchronize() => ThrowIfDisposed();

    internal override string GemmKernelName => BFloat16Gemm.KernelName;

    internal static string Describe()
    {
        string simd = Vector512.IsHardwareAccelerated ? "512-bit SIMD"
            : Vector256.IsHardwareAccelerated ? "256-bit SIMD"
            : Vector128.IsHardwareAccelerated ? "128-bit SIMD" : "no SIMD";
        return $"host CPU ({Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}, {simd})";
    }

    private protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        try
        {
            return new CpuDeviceBuffer<T>(this, new T[length]);
        }
        catch (OutOfMemoryException ex)
        {
            long bytes = (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            throw new DeviceOutOfMemoryException(DeviceName, bytes, MemoryBytes, AllocatedBytes - bytes, ex);
        }
    }

    private protected override void GemmCore(GemmKernelArguments args, DeviceBuffer<BFloat16> a, DeviceBuffer<BFloat16> b, DeviceBuffer<float> c, int batchCount)
    {
        Memory<float> cm = ((CpuDeviceBuffer<float>)c).Memory;
        if (batchCount == 1)
        {
            BFloat16Gemm.Multiply(TransA(args), TransB(args), args.M, args.N, args.K, args.Alpha,
                Matrix(a, 0, args.StrideA).Span, args.Lda, Matrix(b, 0, args.StrideB).Span, args.Ldb, args.Beta, cm.Span, args.Ldc);
            return;
        }

        // The batch runs across the host's cores, one virtual NPU's GEMM per item.
        var items = new GemmBatchItem[batchCount];
        for (int z = 0; z < batchCount; z++)
        {
            items[z] = new GemmBatchItem(TransA(args), TransB(args), args.M, args.N, args.K, args.Alpha,
                Matrix(a, z, args.StrideA), args.Lda, Matrix(b, z, args.StrideB), args.Ldb, args.Beta,
                cm[checked((int)(z * args.StrideC))..], args.Ldc);
        }

        BFloat16Gemm.MultiplyBatch(items);
    }

    private protected override void GemmCore(GemmKernelArguments args, DeviceBuffer<BFloat16> a, DeviceBuffer<BFloat16> b, DeviceBuffer<BFloat16> c, int batchCount)
    {
        Memory<BFloat16> cm = ((CpuDeviceBuffer<BFloat16>)c).Memory;
        if (batchCount == 1)
        {
            BFloat16Gemm.Multiply(TransA(args), TransB(args), args.M, args.N, args.K, args.Alpha,
                Matrix(a, 0, args.StrideA).Span, args.Lda, Matrix(b, 0, args.StrideB).Span, args.Ldb, args.Beta, cm.Span, args.Ldc);
            return;
        }

        var items = new GemmBatchItem[batchCount];
        for (int z = 0; z < batchCount; z++)
        {
            items[z] = new GemmBatchItem(TransA(args), TransB(args), args.M, args.N, args.K, args.Alpha,
                Matrix(a, z, args.StrideA), args.Lda, Matrix(b, z, args.StrideB), args.Ldb, args.Beta,
                cm[checked((int)(z * args.StrideC))..], args.Ldc);
        }

        BFloat16Gemm.MultiplyBatch(items);
    }

    /// <inheritdoc/>
    public override bool IsThreadSafe => true;

    private protected override void GemmViewsCore(ReadOnlySpan<DeviceGemmTask> tasks)
    {
        // One batch across the host's cores: the kernel library spreads the items (and splits large ones).
        var items = new GemmBatchItem[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            items[i] = Item(tasks[i]);
        }

        BFloat16Gemm.MultiplyBatch(items);
    }

    private protected override void GemmViewCore(in DeviceGemmTask task) => BFloat16Gemm.MultiplyBatch([Item(task)]);

    private static GemmBatchItem Item(in DeviceGemmTask t) => HostItem(t,
        ((CpuDeviceBuffer<BFloat16>)t.A).Memory, ((CpuDeviceBuffer<BFloat16>)t.B).Memory,
        t.CFloat is null ? default : ((CpuDeviceBuffer<float>)t.CFloat).Memory,
        t.CBFloat16 is null ? default : ((CpuDeviceBuffer<BFloat16>)t.CBFloat16).Memory);

    private protected override void ReduceCore(IReadOnlyList<DeviceBuffer<float>> sources, DeviceBuffer<float> destination, int start, int length) =>
        BufferSum.Sum(Chunks(sources, start, length), ((CpuDeviceBuffer<float>)destination).Span.Slice(start, length));

    private protected override void ReduceCore(IReadOnlyList<DeviceBuffer<BFloat16>> sources, DeviceBuffer<BFloat16> destination, int start, int length) =>
        BufferSum.Sum(Chunks(sources, start, length), ((CpuDeviceBuffer<BFloat16>)destination).Span.Slice(start, length));

    private protected override void ConvertCore(DeviceBuffer<float> source, DeviceBuffer<BFloat16> destination) =>
        BFloat16Convert.ToBFloat16(((CpuDeviceBuffer<float>)source).Span, ((CpuDeviceBuffer<BFloat16>)destination).Span);

    private protected override void ConvertCore(DeviceBuffer<BFloat16> source, DeviceBuffer<float> destination) =>
        BFloat16Convert.ToSingle(((CpuDeviceBuffer<BFloat16>)source).Span, ((CpuDeviceBuffer<float>)destination).Span);

    private protected override void CopyCore<T>(DeviceBuffer<T> source, int sourceOffset, DeviceBuffer<T> destination, int destinationOffset, int length) =>
        ((CpuDeviceBuffer<T>)source).Span.Slice(sourceOffset, length).CopyTo(((CpuDeviceBuffer<T>)destination).Span.Slice(destinationOffset, length));

    private protected override void DisposeCore()
    {
        // Host arrays: the GC frees them once the buffers are unreachable.
    }

    private static GemmTranspose TransA(GemmKernelArguments args) => args.TransposeA == 0 ? GemmTranspose.None : GemmTranspose.Transpose;

    private static GemmTranspose TransB(GemmKernelArguments args) => args.TransposeB == 0 ? GemmTranspose.None : GemmTranspose.Transpose;

    private static ReadOnlyMemory<BFloat16> Matrix(DeviceBuffer<BFloat16> buffer, int z, long stride) =>
        ((CpuDeviceBuffer<BFloat16>)buffer).Memory[checked((int)(z * stride))..];

    private static ReadOnlyMemory<T>[] Chunks<T>(IReadOnlyList<DeviceBuffer<T>> sources, int start, int length)
        where T : unmanaged
    {
        var chunks = new ReadOnlyMemory<T>[sources.Count];
        for (int s = 0; s < chunks.Length; s++)
        {
            chunks[s] = ((CpuDeviceBuffer<T>)sources[s]).Memory.Slice(start, length);
        }

        return chunks;
    }
}
