using System.Runtime.Intrinsics.X86;
using unsafe MicroKernelFunction = delegate*<int, float*, float*, float*, nint, float, float, void>;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// One microkernel and the block sizes the driver uses with it (BLIS's MR, NR, MC, KC, NC): the driver and the
/// packing routines are shared, only this descriptor differs between instruction sets.
/// </summary>
/// <remarks>
/// Cache reasoning for the Vector512 entry (Zen 5: 48 KiB L1D, 1 MiB L2 per core, shared L3): one packed B
/// micro-panel (KC x NR floats) is reused across every A micro-panel of a block and should stay in L1; the packed
/// A block (MC x KC floats) stays in L2; the packed B panel (KC x NC floats) lives in L3.
/// </remarks>
internal sealed unsafe class GemmMicroKernel
{
    /// <summary>A kernel with one tile shape (edges are padded to it).</summary>
    internal GemmMicroKernel(
        string name, GemmSimdWidth width, int mr, int nr, int mc, int kc, int nc, MicroKernelFunction compute)
        : this(name, width, mr, nr, mc, kc, nc, compute, mr, nr, compute, compute, compute)
    {
    }

    /// <summary>
    /// A kernel with edge tiles: a last row panel of at most <paramref name="mrShort"/> rows or a last column panel
    /// of at most <paramref name="nrNarrow"/> columns runs a smaller tile instead of padding a full one (a 171-row
    /// shard pads to 174 rows with 12/6-row tiles, not to 180).
    /// </summary>
    internal GemmMicroKernel(
        string name, GemmSimdWidth width, int mr, int nr, int mc, int kc, int nc, MicroKernelFunction compute,
        int mrShort, int nrNarrow, MicroKernelFunction computeShort, MicroKernelFunction computeNarrow,
        MicroKernelFunction computeShortNarrow)
    {
        Name = name;
        Width = width;
        Mr = mr;
        Nr = nr;
        Mc = mc;
        Kc = kc;
        Nc = nc;
        Compute = compute;
        MrShort = mrShort;
        NrNarrow = nrNarrow;
        ComputeShort = computeShort;
        ComputeNarrow = computeNarrow;
        ComputeShortNarrow = computeShortNarrow;
    }

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

    /// <summary>Depth of a packed block.</summary>
    public int Kc { get; }

    /// <summary>Columns of op(B) packed per block (a multiple of <see cref="Nr"/>).</summary>
    public int Nc { get; }

    /// <summary><c>(kc, packedA, packedB, c, ldc, alpha, beta)</c>: C tile = alpha * A·B + beta * C (beta 0: C not read).</summary>
    public MicroKernelFunction Compute { get; }

    /// <summary>Rows of the short edge tile (equal to <see cref="Mr"/> when there is none).</summary>
    public int MrShort { get; }

    /// <summary>Columns of the narrow edge tile (equal to <see cref="Nr"/> when there is none).</summary>
    public int NrNarrow { get; }

    /// <summary>The <see cref="MrShort"/> x <see cref="Nr"/> kernel.</summary>
    public MicroKernelFunction ComputeShort { get; }

    /// <summary>The <see cref="Mr"/> x <see cref="NrNarrow"/> kernel.</summary>
    public MicroKernelFunction ComputeNarrow { get; }

    /// <summary>The <see cref="MrShort"/> x <see cref="NrNarrow"/> kernel.</summary>
    public MicroKernelFunction ComputeShortNarrow { get; }

    /// <summary>AVX-512: 12 x 32 tile, 24 zmm accumulators.</summary>
    internal static GemmMicroKernel Vector512 { get; } =
        new("vector512-fma-12x32", GemmSimdWidth.Vector512, 12, 32, 144, 512, 4096, &MicroKernels512.Kernel12x32,
            6, 16, &MicroKernels512.Kernel6x32, &MicroKernels512.Kernel12x16, &MicroKernels512.Kernel6x16);

    /// <summary>AVX2 + FMA: 6 x 16 tile, 12 ymm accumulators.</summary>
    internal static GemmMicroKernel Vector256 { get; } =
        new("vector256-fma-6x16", GemmSimdWidth.Vector256, 6, 16, 72, 256, 2048, &MicroKernels256.Kernel6x16,
            3, 8, &MicroKernels256.Kernel3x16, &MicroKernels256.Kernel6x8, &MicroKernels256.Kernel3x8);

    /// <summary>Portable: 4 x 4 tile.</summary>
    internal static GemmMicroKernel Scalar { get; } =
        new("scalar-4x4", GemmSimdWidth.Scalar, 4, 4, 64, 256, 1024, &MicroKernelScalar.Kernel4x4);

    /// <summary>Whether the host can run kernels of <paramref name="width"/>.</summary>
    internal static bool IsSupported(GemmSimdWidth width) => width switch
    {
        GemmSimdWidth.Vector512 => Avx512F.IsSupported,
        GemmSimdWidth.Vector256 => Avx2.IsSupported && Fma.IsSupported,
        GemmSimdWidth.Scalar => true,
        _ => true,
    };

    /// <summary>The kernel for <paramref name="width"/>; <see cref="GemmSimdWidth.Auto"/> picks the widest supported.</summary>
    /// <exception cref="PlatformNotSupportedException">The host lacks the instruction set asked for.</exception>
    internal static GemmMicroKernel Select(GemmSimdWidth width)
    {
        if (width == GemmSimdWidth.Auto)
        {
            return IsSupported(GemmSimdWidth.Vector512) ? Vector512
                : IsSupported(GemmSimdWidth.Vector256) ? Vector256
                : Scalar;
        }

        if (!IsSupported(width))
        {
            throw new PlatformNotSupportedException($"This host cannot run the {width} GEMM kernel.");
        }

        return width switch
        {
            GemmSimdWidth.Vector512 => Vector512,
            GemmSimdWidth.Vector256 => Vector256,
            _ => Scalar,
        };
    }
}
