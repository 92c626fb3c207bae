using System.Runtime.InteropServices;

namespace CloudMatrix.Compute.Kernels.Ilgpu;

/// <summary>
/// The scalar arguments of one (strided batched) GEMM launch, passed by value to the kernel. Same meaning as the
/// arguments of <see cref="Gemm.BFloat16Gemm"/>: row-major operands, op(A) is M x K, op(B) is K x N, C is M x N.
/// Matrix <c>z</c> of a batch starts <c>z * Stride*</c> elements into its buffer.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct GemmKernelArguments(
    int m, int n, int k, int lda, int ldb, int ldc, bool transposeA, bool transposeB,
    float alpha, float beta, long strideA, long strideB, long strideC)
{
    /// <summary>Rows of op(A) and C.</summary>
    public readonly int M = m;

    /// <summary>Columns of op(B) and C.</summary>
    public readonly int N = n;

    /// <summary>Columns of op(A), rows of op(B).</summary>
    public readonly int K = k;

    /// <summary>Leading dimension of A in elements.</summary>
    public readonly int Lda = lda;

    /// <summary>Leading dimension of B in elements.</summary>
    public readonly int Ldb = ldb;

    /// <summary>Leading dimension of C in elements.</summary>
    public readonly int Ldc = ldc;

    /// <summary>1 when A is stored K x M (op(A) = A^T), else 0. An int, as kernels take only blittable scalars.</summary>
    public readonly int TransposeA = transposeA ? 1 : 0;

    /// <summary>1 when B is stored N x K (op(B) = B^T), else 0.</summary>
    public readonly int TransposeB = transposeB ? 1 : 0;

    /// <summary>Scale of the product.</summary>
    public readonly float Alpha = alpha;

    /// <summary>Scale of the old C; 0 means C is not read.</summary>
    public readonly float Beta = beta;

    /// <summary>Elements between consecutive A matrices of a batch.</summary>
    public readonly long StrideA = strideA;

    /// <summary>Elements between consecutive B matrices of a batch.</summary>
    public readonly long StrideB = strideB;

    /// <summary>Elements between consecutive C matrices of a batch.</summary>
    public readonly long StrideC = strideC;
}
