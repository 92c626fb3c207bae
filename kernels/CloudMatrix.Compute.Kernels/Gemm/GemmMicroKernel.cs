using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using unsafe MicroKernelFunction = delegate*<int, float*, float*, float*, nint, float, float, void>;
using unsafe NativeMicroKernelFunction = delegate* unmanaged[SuppressGCTransition]<int, float*, float*, float*, nint, float, float, void>;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// One microkernel and the block sizes the driver uses with it (BLIS's MR, NR, MC, KC, NC): the driver and the
/// packing routines are shared, only this descriptor differs between instruction sets.
/// </summary>
/// <remarks>
/// Cache reasoning (Zen 4/5: 32-48 KiB L1D, 1 MiB L2 per core, shared L3): the packed A block (MC x KC) stays in L2,
/// the packed B panel (KC x NC) in L3, and micro-panels stream from L2 while the register tile accumulates. A large
/// KC matters most: every KC block reads and writes the C tile once, and C does not fit in cache.
/// </remarks>
internal sealed unsafe class GemmMicroKernel
{
    private readonly nint[] _functions;
    private readonly nint[]? _streaming;

    private GemmMicroKernel(
        string name, GemmSimdWidth width, int mr, int nr, int mc, int kc, int nc, int mrShort, int nrNarrow,
        bool isNative, nint[] functions, nint[]? streaming = null)
    {
        _streaming = streaming;
        Name = name;
        Width = width;
        Mr = mr;
        Nr = nr;
        Mc = mc;
        Kc = kc;
        Nc = nc;
        MrShort = mrShort;
        NrNarrow = nrNarrow;
        IsNative = isNative;
        _functions = functions;
    }

    /// <summary>A managed kernel with one tile shape (edges are padded to it).</summary>
    internal GemmMicroKernel(string name, GemmSimdWidth width, int mr, int nr, int mc, int kc, int nc, MicroKernelFunction compute)
        : this(name, width, mr, nr, mc, kc, nc, mr, nr, false, [(nint)compute, (nint)compute, (nint)compute, (nint)compute])
    {
    }

    /// <summary>
    /// A managed kernel with edge tiles: a last row panel of at most <paramref name="mrShort"/> rows or a last column
    /// panel of at most <paramref name="nrNarrow"/> columns runs a smaller tile instead of padding a full one (a
    /// 171-row shard pads to 174 rows with 12/6-row tiles, not to 180).
    /// </summary>
    internal GemmMicroKernel(
        string name, GemmSimdWidth width, int mr, int nr, int mc, int kc, int nc, MicroKernelFunction compute,
        int mrShort, int nrNarrow, MicroKernelFunction computeShort, MicroKernelFunction computeNarrow,
        MicroKernelFunction computeShortNarrow)
        : this(name, width, mr, nr, mc, kc, nc, mrShort, nrNarrow, false,
            [(nint)compute, (nint)computeShort, (nint)computeNarrow, (nint)computeShortNarrow])
    {
    }

    /// <summary>
    /// A kernel in generated machine code, reading bfloat16 pairs (see <see cref="BFloat16DotKernels"/>);
    /// <paramref name="streaming"/> holds the same four tiles storing a write-only C with non-temporal stores.
    /// </summary>
    internal static GemmMicroKernel Native(
        string name, int mr, int nr, int mc, int kc, int nc, nint compute, int mrShort, int nrNarrow,
        nint computeShort, nint computeNarrow, nint computeShortNarrow, nint[] streaming) =>
        new(name, GemmSimdWidth.Avx512Bf16, mr, nr, mc, kc, nc, mrShort, nrNarrow, true,
            [compute, computeShort, computeNarrow, computeShortNarrow], streaming);

    /// <summary>Short name reported by benchmarks, e.g. <c>vector512-fma-12x32</c>.</summary>
    public string Name { get; }

    /// <summary>The instruction set the kernel needs.</summary>
    public GemmSimdWidth Width { get; }

    /// <summary>Rows of the register tile (rows of A broadcast per k).</summary>
    public int Mr { get; }

    /// <summary>Columns of the register tile (B vector lanes per k).</summary>
    public int Nr { get; }

    /// <summary>Rows of op(A) packed per block (a multiple of <see cref="Mr"/>).</summary>
    public int Mc { get; }

    /// <summary>Depth of a packed block (even, so that bfloat16 pairs never straddle blocks).</summary>
    public int Kc { get; }

    /// <summary>Columns of op(B) packed per block (a multiple of <see cref="Nr"/>).</summary>
    public int Nc { get; }

    /// <summary>Rows of the short edge tile (equal to <see cref="Mr"/> when there is none).</summary>
    public int MrShort { get; }

    /// <summary>Columns of the narrow edge tile (equal to <see cref="Nr"/> when there is none).</summary>
    public int NrNarrow { get; }

    /// <summary>
    /// Whether the kernel is generated machine code. Such kernels read operands packed as bfloat16 pairs (one 32-bit
    /// word per lane per two k steps); managed kernels read FP32 (one float per lane per step).
    /// </summary>
    public bool IsNative { get; }

    /// <summary>Packed words per lane for <paramref name="kc"/> steps (one float, or one bfloat16 pair).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PackedSteps(int kc) => IsNative ? (kc + 1) >> 1 : kc;

    /// <summary>The tile kernel: <c>C = alpha * A·B + beta * C</c> over <paramref name="steps"/> packed steps (beta 0: C not read).</summary>
    /// <param name="shortRows">Use the <see cref="MrShort"/>-row tile.</param>
    /// <param name="narrowColumns">Use the <see cref="NrNarrow"/>-column tile.</param>
    /// <param name="steps">Packed steps (<see cref="PackedSteps"/>).</param>
    /// <param name="a">Packed A micro-panel.</param>
    /// <param name="b">Packed B micro-panel.</param>
    /// <param name="c">Top-left element of the C tile.</param>
    /// <param name="ldc">Leading dimension of C in elements.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of the old C.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Compute(bool shortRows, bool narrowColumns, int steps, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        nint function = _functions[(shortRows ? 1 : 0) + (narrowColumns ? 2 : 0)];
        if (IsNative)
        {
            // No GC transition: a tile call runs for microseconds, touches no managed state and never blocks, so a
            // GC waits at most that long for this thread.
            ((NativeMicroKernelFunction)function)(steps, a, b, c, ldc, alpha, beta);
        }
        else
        {
            ((MicroKernelFunction)function)(steps, a, b, c, ldc, alpha, beta);
        }
    }

    /// <summary>Whether the kernel has tiles that store a write-only C with non-temporal stores (<see cref="ComputeStreaming"/>).</summary>
    public bool CanStream => _streaming is not null;

    /// <summary>
    /// As <see cref="Compute"/> with beta 0, storing the tile with non-temporal stores: C is not read, nor brought
    /// into the caches. Every row of the tile must start on a 64-byte boundary (<paramref name="c"/> aligned,
    /// <paramref name="ldc"/> a multiple of 16), and the caller fences the stores before C is read elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ComputeStreaming(bool shortRows, bool narrowColumns, int steps, float* a, float* b, float* c, nint ldc, float alpha)
    {
        nint function = _streaming![(shortRows ? 1 : 0) + (narrowColumns ? 2 : 0)];
        ((NativeMicroKernelFunction)function)(steps, a, b, c, ldc, alpha, 0f);
    }

    /// <summary>A copy with other cache block sizes (tests reach every block loop with small shapes this way).</summary>
    internal GemmMicroKernel WithBlocks(int mc, int kc, int nc) =>
        new(Name, Width, Mr, Nr, mc, kc, nc, MrShort, NrNarrow, IsNative, _functions, _streaming);

    /// <summary>AVX-512: 12 x 32 tile, 24 zmm accumulators; 6-row and 16-column edge tiles.</summary>
    internal static GemmMicroKernel Vector512 { get; } =
        new("vector512-fma-12x32", GemmSimdWidth.Vector512, 12, 32, 144, 512, 4096, &MicroKernels512.Kernel12x32,
            6, 16, &MicroKernels512.Kernel6x32, &MicroKernels512.Kernel12x16, &MicroKernels512.Kernel6x16);

    /// <summary>AVX2 + FMA: 6 x 16 tile, 12 ymm accumulators; 3-row and 8-column edge tiles.</summary>
    internal static GemmMicroKernel Vector256 { get; } =
        new("vector256-fma-6x16", GemmSimdWidth.Vector256, 6, 16, 72, 256, 2048, &MicroKernels256.Kernel6x16,
            3, 8, &MicroKernels256.Kernel3x16, &MicroKernels256.Kernel6x8, &MicroKernels256.Kernel3x8);

    /// <summary>Portable: 4 x 4 tile.</summary>
    internal static GemmMicroKernel Scalar { get; } =
        new("scalar-4x4", GemmSimdWidth.Scalar, 4, 4, 64, 256, 1024, &MicroKernelScalar.Kernel4x4);

    /// <summary>Whether the host can run kernels of <paramref name="width"/>.</summary>
    internal static bool IsSupported(GemmSimdWidth width) => width switch
    {
        GemmSimdWidth.Avx512Bf16 => BFloat16DotKernels.Kernel is not null,
        GemmSimdWidth.Vector512 => Avx512F.IsSupported,
        GemmSimdWidth.Vector256 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>The kernel for <paramref name="width"/>; <see cref="GemmSimdWidth.Auto"/> picks the fastest supported.</summary>
    /// <exception cref="PlatformNotSupportedException">The host lacks the instruction set asked for.</exception>
    internal static GemmMicroKernel Select(GemmSimdWidth width)
    {
        if (width == GemmSimdWidth.Auto)
        {
            return BFloat16DotKernels.Kernel
                ?? (IsSupported(GemmSimdWidth.Vector512) ? Vector512
                : IsSupported(GemmSimdWidth.Vector256) ? Vector256
                : Scalar);
        }

        if (!IsSupported(width))
        {
            throw new PlatformNotSupportedException($"This host cannot run the {width} GEMM kernel.");
        }

        return width switch
        {
            GemmSimdWidth.Avx512Bf16 => BFloat16DotKernels.Kernel!,
            GemmSimdWidth.Vector512 => Vector512,
            GemmSimdWidth.Vector256 => Vector256,
            _ => Scalar,
        };
    }
}
