using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Gemm;

/// <summary>
/// BF16 general matrix multiplication on the CPU: <c>C = alpha * op(A) * op(B) + beta * C</c> with A and B in
/// bfloat16, products accumulated in FP32, and C in FP32 or bfloat16 (rounded to nearest even on store).
/// All matrices are row-major strided views: element (i, j) of a matrix with leading dimension <c>ld</c> is at
/// <c>i * ld + j</c>, so a block of a larger matrix is passed without a copy.
/// </summary>
/// <remarks>
/// <para>op(A) is M x K and op(B) is K x N; C is M x N. With <see cref="GemmTranspose.None"/> A is stored M x K
/// (<c>lda &gt;= K</c>); with <see cref="GemmTranspose.Transpose"/> it is stored K x M (<c>lda &gt;= M</c>); likewise B.</para>
/// <para>NaN policy: as BLAS, <c>beta == 0</c> means C is not read (NaN already in C does not propagate);
/// <c>alpha == 0</c> still reads A and B, so NaN and infinity in them propagate as IEEE says. NaN alpha or beta
/// propagate into C.</para>
/// </remarks>
public static class BFloat16Gemm
{
    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c> with an FP32 C.</summary>
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
    /// <param name="c">C's storage (read unless <paramref name="beta"/> is 0, then written).</param>
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A span shorter than its dimensions and leading dimension need.</exception>
    public static void Multiply(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (float)At(a, lda, transA, i, p) * (float)At(b, ldb, transB, p, j);
                }

                ref float target = ref c[(i * ldc) + j];
                target = beta == 0 ? alpha * sum : (alpha * sum) + (beta * target);
            }
        }
    }

    /// <summary>Computes <c>C = alpha * op(A) * op(B) + beta * C</c> with a bfloat16 C (FP32 accumulation, one
    /// round-to-nearest-even per stored element).</summary>
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
    /// <param name="ldc">Leading dimension of C in elements; at least <paramref name="n"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension below 1 or a leading dimension too small.</exception>
    /// <exception cref="ArgumentException">A span shorter than its dimensions and leading dimension need.</exception>
    public static void Multiply(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb,
        float beta, Span<BFloat16> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (float)At(a, lda, transA, i, p) * (float)At(b, ldb, transB, p, j);
                }

                ref BFloat16 target = ref c[(i * ldc) + j];
                target = (BFloat16)(beta == 0 ? alpha * sum : (alpha * sum) + (beta * (float)target));
            }
        }
    }

    private static BFloat16 At(ReadOnlySpan<BFloat16> x, int ld, GemmTranspose trans, int row, int col) =>
        trans == GemmTranspose.None ? x[(row * ld) + col] : x[(col * ld) + row];

    /// <summary>Checks a GEMM call's dimensions against its spans; shared by every GEMM entry point.</summary>
    internal static void Validate(
        GemmTranspose transA, GemmTranspose transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        CheckTranspose(transA, nameof(transA));
        CheckTranspose(transB, nameof(transB));
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        (int aRows, int aCols) = transA == GemmTranspose.None ? (m, k) : (k, m);
        (int bRows, int bCols) = transB == GemmTranspose.None ? (k, n) : (n, k);
        CheckOperand("a", "lda", aRows, aCols, aLength, lda, transA);
        CheckOperand("b", "ldb", bRows, bCols, bLength, ldb, transB);
        CheckOperand("c", "ldc", m, n, cLength, ldc, GemmTranspose.None);
    }

    private static void CheckTranspose(GemmTranspose value, string name)
    {
        if (value is not (GemmTranspose.None or GemmTranspose.Transpose))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be None or Transpose.");
        }
    }

    private static void CheckOperand(string name, string ldName, int rows, int cols, int length, int ld, GemmTranspose trans)
    {
        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"{ldName} is {ld} but {name} is stored {rows} x {cols}{(trans == GemmTranspose.Transpose ? " (transposed)" : "")}: {ldName} must be at least {cols}.");
        }

        long needed = ((long)(rows - 1) * ld) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                $"{name} has {length} elements but a {rows} x {cols} view with {ldName} = {ld} needs at least {needed}.", name);
        }
    }
}
