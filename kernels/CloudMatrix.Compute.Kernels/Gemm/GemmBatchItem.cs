using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// One independent GEMM of a batch (<see cref="BFloat16Gemm.MultiplyBatch"/>):
/// <c>C = alpha * op(A) * op(B) + beta * C</c> on strided row-major views, with the same meaning of every argument as
/// <see cref="BFloat16Gemm.Multiply(GemmTranspose, GemmTranspose, int, int, int, float, ReadOnlySpan{BFloat16}, int, ReadOnlySpan{BFloat16}, int, float, Span{float}, int)"/>.
/// The dimensions are checked against the buffers when the item is made.
/// </summary>
public readonly struct GemmBatchItem : IEquatable<GemmBatchItem>
{
    /// <summary>An item with an FP32 C.</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C's storage.</param>
    /// <param name="ldc">Leading dimension of C in elements.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A buffer shorter than its dimensions and leading dimension need.</exception>
    public GemmBatchItem(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlyMemory<BFloat16> a, int lda, ReadOnlyMemory<BFloat16> b, int ldb, float beta, Memory<float> c, int ldc)
    {
        BFloat16Gemm.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        (TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, C, Ldc) = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>An item with a bfloat16 C (FP32 accumulation, one round to nearest even per stored element).</summary>
    /// <param name="transA">How A is stored.</param>
    /// <param name="transB">How B is stored.</param>
    /// <param name="m">Rows of op(A) and C; at least 1.</param>
    /// <param name="n">Columns of op(B) and C; at least 1.</param>
    /// <param name="k">Columns of op(A), rows of op(B); at least 1.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A's storage.</param>
    /// <param name="lda">Leading dimension of A in elements.</param>
    /// <param name="b">B's storage.</param>
    /// <param name="ldb">Leading dimension of B in elements.</param>
    /// <param name="beta">Scale of the old C; 0 means C is write-only.</param>
    /// <param name="c">C's storage.</param>
    /// <param name="ldc">Leading dimension of C in elements.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A buffer shorter than its dimensions and leading dimension need.</exception>
    public GemmBatchItem(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlyMemory<BFloat16> a, int lda, ReadOnlyMemory<BFloat16> b, int ldb, float beta, Memory<BFloat16> c, int ldc)
    {
        BFloat16Gemm.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        (TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, CBFloat16, Ldc) = (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>How A is stored.</summary>
    public GemmTranspose TransA { get; }

    /// <summary>How B is stored.</summary>
    public GemmTranspose TransB { get; }

    /// <summary>Rows of op(A) and C (0 only in a default, unusable item).</summary>
    public int M { get; }

    /// <summary>Columns of op(B) and C.</summary>
    public int N { get; }

    /// <summary>Columns of op(A), rows of op(B).</summary>
    public int K { get; }

    /// <summary>Scale of the product.</summary>
    public float Alpha { get; }

    /// <summary>A's storage.</summary>
    public ReadOnlyMemory<BFloat16> A { get; }

    /// <summary>Leading dimension of A in elements.</summary>
    public int Lda { get; }

    /// <summary>B's storage.</summary>
    public ReadOnlyMemory<BFloat16> B { get; }

    /// <summary>Leading dimension of B in elements.</summary>
    public int Ldb { get; }

    /// <summary>Scale of the old C.</summary>
    public float Beta { get; }

    /// <summary>C's storage when C is FP32 (empty otherwise).</summary>
    public Memory<float> C { get; }

    /// <summary>C's storage when C is bfloat16 (empty otherwise).</summary>
    public Memory<BFloat16> CBFloat16 { get; }

    /// <summary>Leading dimension of C in elements.</summary>
    public int Ldc { get; }

    /// <summary>Multiply-add count of this item, 2·M·N·K (floating-point operations).</summary>
    public double Flops => 2.0 * M * N * K;

    /// <inheritdoc/>
    public bool Equals(GemmBatchItem other) =>
        TransA == other.TransA && TransB == other.TransB && M == other.M && N == other.N && K == other.K &&
        Alpha.Equals(other.Alpha) && Beta.Equals(other.Beta) && A.Equals(other.A) && B.Equals(other.B) &&
        C.Equals(other.C) && CBFloat16.Equals(other.CBFloat16) && Lda == other.Lda && Ldb == other.Ldb && Ldc == other.Ldc;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GemmBatchItem other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(M, N, K, A, B, C, CBFloat16);

    /// <summary>Whether two items describe the same GEMM on the same buffers.</summary>
    /// <param name="left">Left item.</param>
    /// <param name="right">Right item.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(GemmBatchItem left, GemmBatchItem right) => left.Equals(right);

    /// <summary>Whether two items differ.</summary>
    /// <param name="left">Left item.</param>
    /// <param name="right">Right item.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(GemmBatchItem left, GemmBatchItem right) => !left.Equals(right);
}
