using System.Runtime.Intrinsics.X86;

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
    internal GemmMicroKernel(
        string name, GemmSimdWidth width, int mr, int nr, int mc, int kc, int nc,
        delegate*<int, float*, float*, float*, nint, float, float, void> compute)
    {
        Name = name;
        Width = width;
        Mr = mr;
        Nr = nr;
        Mc = mc;
        Kc = kc;
        Nc = nc;
        Compute = compute;
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
    public delegate*<int, float*, float*, float*, nint, float, float, void> Compute { get; }

    /// <summary>AVX-512: 12 x 32 tile, 24 zmm accumulators.</summary>
    internal static GemmMicroKernel Vector512 { get; } =
        new("vector512-fma-12x32", GemmSimdWidth.Vector512, 12, 32, 144, 512, 4096, &MicroKernels512.Kernel12x32);

    /// <summary>AVX2 + FMA: 6 x 16 tile, 12 ymm accumulators.</summary>
    internal static GemmMicroKernel Vector256 { get; } =
        new("vector256-fma-6x16", GemmSimdWidth.Vector256, 6, 16, 72, 256, 2048, &MicroKernels256.Kernel6x16);

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
