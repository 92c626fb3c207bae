namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>Which instruction set a GEMM runs on; <see cref="Auto"/> takes the widest the host supports.</summary>
internal enum GemmSimdWidth
{
    /// <summary>The fastest supported: AVX512_BF16 generated code, else Vector512 (AVX-512F), else Vector256 (AVX2 + FMA), else scalar.</summary>
    Auto = 0,

    /// <summary>Portable scalar code (any CPU).</summary>
    Scalar = 1,

    /// <summary>AVX2 + FMA on 256-bit vectors.</summary>
    Vector256 = 2,

    /// <summary>AVX-512F on 512-bit vectors.</summary>
    Vector512 = 3,

    /// <summary>AVX512_BF16 <c>vdpbf16ps</c> in machine code generated at run time (Linux x64).</summary>
    Avx512Bf16 = 4,
}
