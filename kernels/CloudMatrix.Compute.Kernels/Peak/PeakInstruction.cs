namespace CloudMatrix.Compute.Kernels.Peak;

/// <summary>An instruction whose throughput <see cref="HostPeak"/> measures: the instructions the GEMM kernels run.</summary>
public enum PeakInstruction
{
    /// <summary>
    /// AVX512_BF16 <c>vdpbf16ps</c> on zmm: 16 FP32 lanes, each adding two bfloat16 products, so 32 multiply-adds
    /// (64 FLOP) per instruction. The instruction of the generated GEMM kernel.
    /// </summary>
    BFloat16DotZmm = 0,

    /// <summary>AVX-512F <c>vfmadd231ps</c> on zmm: 16 FP32 multiply-adds (32 FLOP) per instruction. The managed kernels' instruction.</summary>
    Fp32FmaZmm = 1,
}
