using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Backends;

/// <summary>
/// One GEMM of a <see cref="ComputeBackend.GemmBatch"/> call on views of backend buffers (row-major, no transposes):
/// <c>C[M x N] (+)= A[M x K] · B[K x N]</c>, where each operand starts at its offset (elements) in its buffer and its
/// rows are its leading dimension apart. C is FP32 (<see cref="CFloat"/>) or bfloat16 (<see cref="CBFloat16"/>):
/// set exactly one. With <see cref="Accumulate"/> the product is added to C (beta = 1), else C is overwritten.
/// </summary>
public readonly record struct DeviceGemmTask
{
    /// <summary>Rows of A and C, at least 1.</summary>
    public required int M { get; init; }

    /// <summary>Columns of B and C, at least 1.</summary>
    public required int N { get; init; }

    /// <summary>Columns of A and rows of B, at least 1.</summary>
    public required int K { get; init; }

    /// <summary>A's buffer.</summary>
    public required DeviceBuffer<BFloat16> A { get; init; }

    /// <summary>A's first element, elements into its buffer.</summary>
    public int AOffset { get; init; }

    /// <summary>A's leading dimension, elements; at least <see cref="K"/>.</summary>
    public required int Lda { get; init; }

    /// <summary>B's buffer.</summary>
    public required DeviceBuffer<BFloat16> B { get; init; }

    /// <summary>B's first element, elements into its buffer.</summary>
    public int BOffset { get; init; }

    /// <summary>B's leading dimension, elements; at least <see cref="N"/>.</summary>
    public required int Ldb { get; init; }

    /// <summary>An FP32 C, or null when <see cref="CBFloat16"/> is set.</summary>
    public DeviceBuffer<float>? CFloat { get; init; }

    /// <summary>A bfloat16 C (FP32 accumulation, one rounding per element), or null when <see cref="CFloat"/> is set.</summary>
    public DeviceBuffer<BFloat16>? CBFloat16 { get; init; }

    /// <summary>C's first element, elements into its buffer.</summary>
    public int COffset { get; init; }

    /// <summary>C's leading dimension, elements; at least <see cref="N"/>.</summary>
    public required int Ldc { get; init; }

    /// <summary>Add the product to C instead of overwriting it.</summary>
    public bool Accumulate { get; init; }

    /// <summary>Floating-point operations, 2·M·N·K.</summary>
    public double Flops => 2.0 * M * N * K;
}
