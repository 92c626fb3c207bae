using System.Runtime.InteropServices;
using CloudMatrix.Compute.Kernels.Ilgpu;
using CloudMatrix.Compute.Numerics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace CloudMatrix.Compute.Backends;

/// <summary>
/// <c>ilgpu-cpu</c>, <c>cuda</c> and <c>opencl</c>: the ILGPU kernels of CloudMatrix.Compute.Kernels on one ILGPU
/// accelerator. The ILGPU context and accelerator are created once here and disposed with the backend; every call
/// holds one lock and binds the accelerator to the calling thread, so the backend may be shared between threads.
/// GEMM runs on tensor cores on CUDA devices of sm_80 or newer (<see cref="AsyncTensorCoreGemmKernels"/> where A and B
/// rows are 16-byte aligned, <see cref="TensorCoreGemmKernels"/> otherwise) and the
/// SIMT kernel (<see cref="IlgpuGemmKernels"/>) everywhere else; the environment variable <c>CMX_CUDA_GEMM=simt</c>
/// forces the SIMT kernel on CUDA too (for comparison).
/// </summary>
internal sealed class IlgpuBackend : ComputeBackend
{
    public const string CpuName = "ilgpu-cpu";
    public const string CudaName = "cuda";
    public const string OpenCLName = "opencl";

    /// <summary>The environment variable that picks the CUDA GEMM kernel: <c>tensor</c> (the default; sm_80 and newer) or <c>simt</c>.</summary>
    public const string CudaGemmVariable = "CMX_CUDA_GEMM";

    // ILGPU's CPU accelerator runs one OS thread per emulated GPU thread of a multiprocessor; the GEMM kernel needs
    // groups of 256 (16 x 16), so it emulates one multiprocessor of 8 warps of 32.
    private const int EmulatedWarpSize = 32;
    private const int EmulatedWarps = IlgpuGemmKernels.GroupSize / EmulatedWarpSize;

    private readonly Context _context;
    private readonly IlgpuKernelLauncher _kernels;
    private readonly long _memoryBytes;
    private MemoryBuffer1D<float, Stride1D.Dense>? _scratch;

    private IlgpuBackend(string name, Context context, Accelerator accelerator, string deviceName, long memoryBytes, bool tensorCores)
    {
        Name = name;
        _context = context;
        Accelerator = accelerator;
        DeviceName = deviceName;
        _memoryBytes = memoryBytes;
        _kernels = new IlgpuKernelLauncher(accelerator, tensorCores);
    }

    public override string Name { get; }

    public override string DeviceName { get; }

    public override long MemoryBytes => _memoryBytes;

    /// <summary>The accelerator; use only while holding <see cref="Sync"/>.</summary>
    internal Accelerator Accelerator { get; }

    /// <summary>Serialises every use of the accelerator.</summary>
    internal Lock Sync { get; } = new();

    private protected override int MaxBatchCount => _kernels.MaxBatchCount;

    public override string GemmKernelName => _kernels.GemmKernelName;

    /// <summary>Opens the first device of <paramref name="kind"/>.</summary>
    /// <exception cref="BackendUnavailableException">There is none; the message says why.</exception>
    public static IlgpuBackend Create(IlgpuBackendKind kind)
    {
        string name = NameOf(kind);
        bool simtOnly = kind != IlgpuBackendKind.Cuda || !AsksForTensorCores(Environment.GetEnvironmentVariable(CudaGemmVariable));
        Context context;
        try
        {
            context = CreateContext(kind);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new BackendUnavailableException(name, $"ILGPU could not start it ({ex.GetType().Name}: {ex.Message})");
        }

        try
        {
            Device device = FirstDevice(context, kind) ?? throw new BackendUnavailableException(name, UnavailableReason(kind));
            Accelerator accelerator;
            try
            {
                accelerator = device.CreateAccelerator(context);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A device the driver lists but cannot open (driver too old for ILGPU, device busy or lost).
                throw new BackendUnavailableException(name, $"ILGPU could not open {device.Name} ({ex.GetType().Name}: {ex.Message})");
            }

            bool tensorCores = !simtOnly && accelerator is CudaAccelerator cuda && SupportsTensorCoreGemm(cuda.Architecture);
            return new IlgpuBackend(name, context, accelerator, Describe(kind, device), MemoryOf(kind, device), tensorCores);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Whether the tensor-core GEMM runs on a CUDA device of <paramref name="architecture"/> (sm_80 or newer).</summary>
    internal static bool SupportsTensorCoreGemm(CudaArchitecture architecture) =>
        (architecture.Major * 10) + architecture.Minor >= TensorCoreGemmKernels.MinimumArchitecture;

    /// <summary>
    /// Reads <see cref="CudaGemmVariable"/>: unset, empty or <c>tensor</c> runs the tensor-core kernel on sm_80 and
    /// newer, <c>simt</c> the SIMT kernel (case-insensitive, surrounding blanks ignored).
    /// </summary>
    /// <exception cref="ArgumentException">Any other value; the message names the variable and the valid values.</exception>
    internal static bool AsksForTensorCores(string? value)
    {
        string text = value?.Trim() ?? "";
        if (text.Length == 0 || text.Equals("tensor", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return text.Equals("simt", StringComparison.OrdinalIgnoreCase)
            ? false
            : throw new ArgumentException($"{CudaGemmVariable} is '{value}'; it must be tensor (the default: tensor cores on sm_80 and newer, the SIMT kernel before) or simt (the SIMT kernel everywhere).");
    }

    /// <summary>Looks for a device of <paramref name="kind"/> without opening an accelerator on it.</summary>
    public static BackendInfo Probe(IlgpuBackendKind kind)
    {
        string name = NameOf(kind);
        try
        {
            using Context context = CreateContext(kind);
            Device? device = FirstDevice(context, kind);
            return device is null
                ? new BackendInfo(name, false, null, null, UnavailableReason(kind))
                : new BackendInfo(name, true, Describe(kind, device), MemoryOf(kind, device), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new BackendInfo(name, false, null, null, $"ILGPU could not start it ({ex.GetType().Name}: {ex.Message})");
        }
    }

    public override void Synchronize()
    {
        ThrowIfDisposed();
        lock (Sync)
        {
            Bind();
            Accelerator.Synchronize();
        }
    }

    /// <summary>Makes the accelerator current on this thread (CUDA contexts are per thread).</summary>
    internal void Bind() => Accelerator.Bind();

    private protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        if (length == 0)
        {
            return new IlgpuDeviceBuffer<T>(this, null, 0);
        }

        lock (Sync)
        {
            Bind();
            MemoryBuffer1D<T, Stride1D.Dense> buffer = AllocateDevice<T>(length);
            buffer.View.MemSetToZero();
            Accelerator.Synchronize();
            return new IlgpuDeviceBuffer<T>(this, buffer, length);
        }
    }

    private protected override void GemmCore(GemmKernelArguments args, DeviceBuffer<BFloat16> a, DeviceBuffer<BFloat16> b, DeviceBuffer<float> c, int batchCount)
    {
        lock (Sync)
        {
            Bind();
            CheckGrid(args.M);
            _kernels.Gemm(Of(a).Bits, Of(b).Bits, Of(c).View, args, batchCount);
        }
    }

    private protected override void GemmCore(GemmKernelArguments args, DeviceBuffer<BFloat16> a, DeviceBuffer<BFloat16> b, DeviceBuffer<BFloat16> c, int batchCount)
    {
        lock (Sync)
        {
            Bind();
            CheckGrid(args.M);
            _kernels.Gemm(Of(a).Bits, Of(b).Bits, Of(c).Bits, args, batchCount);
        }
    }

    private protected override void GemmViewCore(in DeviceGemmTask task)
    {
        var args = new GemmKernelArguments(task.M, task.N, task.K, task.Lda, task.Ldb, task.Ldc, false, false,
            1f, task.Accumulate ? 1f : 0f, 0, 0, 0);
        long aLength = ((long)(task.M - 1) * task.Lda) + task.K;
        long bLength = ((long)(task.K - 1) * task.Ldb) + task.N;
        long cLength = ((long)(task.M - 1) * task.Ldc) + task.N;
        lock (Sync)
        {
            Bind();
            CheckGrid(task.M);
            ArrayView<ushort> a = Of(task.A).Bits.SubView(task.AOffset, aLength);
            ArrayView<ushort> b = Of(task.B).Bits.SubView(task.BOffset, bLength);
            if (task.CFloat is not null)
            {
                _kernels.Gemm(a, b, Of(task.CFloat).View.SubView(task.COffset, cLength), args, 1);
            }
            else
            {
                _kernels.Gemm(a, b, Of(task.CBFloat16!).Bits.SubView(task.COffset, cLength), args, 1);
            }
        }
    }

    private protected override void ReduceCore(IReadOnlyList<DeviceBuffer<float>> sources, DeviceBuffer<float> destination, int start, int length)
    {
        if (sources.Count == 1 && ReferenceEquals(sources[0], destination))
        {
            return; // the FP32 sum of one buffer is that buffer; a device copy onto itself would overlap
        }

        var views = new ArrayView<float>[sources.Count];
        bool destinationIsLaterSource = false;
        for (int s = 0; s < views.Length; s++)
        {
            views[s] = Of(sources[s]).View.SubView(start, length);
            destinationIsLaterSource |= s >= 2 && ReferenceEquals(sources[s], destination);
        }

        lock (Sync)
        {
            Bind();
            _kernels.Sum(views, Of(destination).View.SubView(start, length), destinationIsLaterSource, () => Scratch(length));
        }
    }

    private protected override void ReduceCore(IReadOnlyList<DeviceBuffer<BFloat16>> sources, DeviceBuffer<BFloat16> destination, int start, int length)
    {
        var views = new ArrayView<ushort>[sources.Count];
        for (int s = 0; s < views.Length; s++)
        {
            views[s] = Of(sources[s]).Bits.SubView(start, length);
        }

        lock (Sync)
        {
            Bind();
            _kernels.Sum(views, Of(destination).Bits.SubView(start, length), () => Scratch(length));
        }
    }

    private protected override void ConvertCore(DeviceBuffer<float> source, DeviceBuffer<BFloat16> destination)
    {
        lock (Sync)
        {
            Bind();
            _kernels.ToBFloat16(Of(source).View, Of(destination).Bits);
        }
    }

    private protected override void ConvertCore(DeviceBuffer<BFloat16> source, DeviceBuffer<float> destination)
    {
        lock (Sync)
        {
            Bind();
            _kernels.ToSingle(Of(source).Bits, Of(destination).View);
        }
    }

    private protected override void CopyCore<T>(DeviceBuffer<T> source, int sourceOffset, DeviceBuffer<T> destination, int destinationOffset, int length)
    {
        lock (Sync)
        {
            Bind();
            Of(source).View.SubView(sourceOffset, length).CopyTo(Of(destination).View.SubView(destinationOffset, length));
        }
    }

    private protected override void DisposeCore()
    {
        lock (Sync)
        {
            Bind();
            Accelerator.Synchronize();
            _scratch?.Dispose();
            Accelerator.Dispose();
            _context.Dispose();
        }
    }

    private static IlgpuDeviceBuffer<T> Of<T>(DeviceBuffer<T> buffer)
        where T : unmanaged => (IlgpuDeviceBuffer<T>)buffer;

    /// <summary>FP32 scratch of at least <paramref name="length"/> elements for partial sums (grown, never shrunk).</summary>
    private ArrayView<float> Scratch(int length)
    {
        if (_scratch is null || _scratch.Length < length)
        {
            long oldBytes = _scratch?.LengthInBytes ?? 0;
            _scratch?.Dispose();
            _scratch = null;
            ReleaseBytes(oldBytes);
            ReserveBytes((long)length * sizeof(float));
            _scratch = AllocateDevice<float>(length);
        }

        return _scratch.View;
    }

    private MemoryBuffer1D<T, Stride1D.Dense> AllocateDevice<T>(int length)
        where T : unmanaged
    {
        try
        {
            return Accelerator.Allocate1D<T>(length);
        }
        catch (Exception ex) when (IsOutOfMemory(ex))
        {
            long bytes = (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            throw new DeviceOutOfMemoryException(DeviceName, bytes, MemoryBytes, AllocatedBytes - bytes, ex);
        }
    }

    private static bool IsOutOfMemory(Exception ex) =>
        ex is OutOfMemoryException ||
        (ex is AcceleratorException && ex.Message.Contains("memory", StringComparison.OrdinalIgnoreCase)) ||
        (ex is CudaException cuda && cuda.Error.ToString().Contains("MEMORY", StringComparison.OrdinalIgnoreCase)) ||
        (ex is CLException cl && cl.Error.ToString().Contains("MEM", StringComparison.OrdinalIgnoreCase));

    private void CheckGrid(int m)
    {
        long rowTiles = ((long)m + IlgpuGemmKernels.TileRows - 1) / IlgpuGemmKernels.TileRows;
        if (rowTiles > Accelerator.MaxGridSize.Y)
        {
            throw new ArgumentOutOfRangeException(nameof(m), m,
                $"m is {m}: {rowTiles} row tiles of {IlgpuGemmKernels.TileRows} exceed {DeviceName}'s grid limit of {Accelerator.MaxGridSize.Y}; split the rows.");
        }
    }

    private static string NameOf(IlgpuBackendKind kind) => kind switch
    {
        IlgpuBackendKind.Cpu => CpuName,
        IlgpuBackendKind.Cuda => CudaName,
        _ => OpenCLName,
    };

    private static Context CreateContext(IlgpuBackendKind kind) => Context.Create(builder =>
    {
        _ = kind switch
        {
            IlgpuBackendKind.Cpu => builder.CPU(new CPUDevice(EmulatedWarpSize, EmulatedWarps, numMultiprocessors: 1)),
            IlgpuBackendKind.Cuda => builder.Cuda(),
            _ => builder.OpenCL(),
        };
        builder.Optimize(OptimizationLevel.O2);
    });

    private static Device? FirstDevice(Context context, IlgpuBackendKind kind)
    {
        // An ILGPU context with no device of the kind asked for falls back to a CPU device: filter by type.
        AcceleratorType type = kind switch
        {
            IlgpuBackendKind.Cpu => AcceleratorType.CPU,
            IlgpuBackendKind.Cuda => AcceleratorType.Cuda,
            _ => AcceleratorType.OpenCL,
        };
        foreach (Device device in context)
        {
            if (device.AcceleratorType == type)
            {
                return device;
            }
        }

        return null;
    }

    private static string Describe(IlgpuBackendKind kind, Device device) => kind == IlgpuBackendKind.Cpu
        ? $"ILGPU CPU accelerator (GPU emulator: {EmulatedWarps} warps of {EmulatedWarpSize} threads; for correctness at small sizes)"
        : device.Name;

    private static long MemoryOf(IlgpuBackendKind kind, Device device) => kind == IlgpuBackendKind.Cpu
        ? Math.Min(device.MemorySize, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)
        : device.MemorySize;

    /// <summary>Why no device of <paramref name="kind"/> was found: a missing driver, or a driver without devices.</summary>
    private static string UnavailableReason(IlgpuBackendKind kind)
    {
        (string api, string[] libraries) = kind switch
        {
            IlgpuBackendKind.Cuda => ("CUDA", OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"]),
            IlgpuBackendKind.OpenCL => ("OpenCL", OperatingSystem.IsWindows() ? ["OpenCL.dll"]
                : OperatingSystem.IsMacOS() ? ["/System/Library/Frameworks/OpenCL.framework/OpenCL"] : ["libOpenCL.so.1", "libOpenCL.so"]),
            _ => ("ILGPU CPU", Array.Empty<string>()),
        };

        if (kind == IlgpuBackendKind.Cuda && OperatingSystem.IsMacOS())
        {
            return "CUDA does not run on macOS";
        }

        if (libraries.Length > 0 && !libraries.Any(CanLoad))
        {
            return $"no {api} driver found ({string.Join(" or ", libraries)} is not installed)";
        }

        return kind == IlgpuBackendKind.OpenCL
            ? "the OpenCL runtime reports no device ILGPU can use (it needs OpenCL 2.0 or later)"
            : $"the {api} driver is installed but reports no device";
    }

    private static bool CanLoad(string library)
    {
        if (NativeLibrary.TryLoad(library, out IntPtr handle))
        {
            NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }
}
