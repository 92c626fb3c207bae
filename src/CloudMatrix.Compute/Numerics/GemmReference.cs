using CloudMatrix.Compute.Kernels.Gemm;

namespace CloudMatrix.Compute.Numerics;

/// <summary>
/// The FP64 reference of a BF16 GEMM, C = op(A)·op(B): each element summed in double from the same BF16 operands
/// (exact products, one double rounding per addition), and the FP32-accumulation bound a kernel's result is held to.
/// Used by <c>cmx bench gemm</c> (<see cref="Backends.GemmBenchmark"/>) and by anyone checking their own kernel.
/// </summary>
public static class GemmReference
{
    /// <summary>
    /// One element of the reference: C[i, j] = Σ_p op(A)[i, p] · op(B)[p, j] in double, and Σ_p |op(A)[i, p] · op(B)[p, j]|,
    /// the magnitude the error bound scales with.
    /// </summary>
    /// <param name="transA">Whether A is stored transposed (K x M, so op(A)[i, p] = A[p, i]).</param>
    /// <param name="transB">Whether B is stored transposed (N x K, so op(B)[p, j] = B[j, p]).</param>
    /// <param name="k">The inner dimension (elements).</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/> (elements).</param>
    /// <param name="lda">Elements between consecutive rows of A as stored.</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/> (elements).</param>
    /// <param name="ldb">Elements between consecutive rows of B as stored.</param>
    /// <param name="i">Row of C.</param>
    /// <param name="j">Column of C.</param>
    /// <returns>The exact-as-double value and the magnitude Σ|a·b|.</returns>
    /// <exception cref="IndexOutOfRangeException">An index falls outside <paramref name="a"/> or <paramref name="b"/>.</exception>
    public static (double Value, double Magnitude) Element(GemmTranspose transA, GemmTranspose transB, int k,
        ReadOnlySpan<BFloat16> a, int lda, ReadOnlySpan<BFloat16> b, int ldb, int i, int j)
    {
        double sum = 0, magnitude = 0;
        for (int p = 0; p < k; p++)
        {
            double x = transA == GemmTranspose.None ? (double)a[(int)(((long)i * lda) + p)] : (double)a[(int)(((long)p * lda) + i)];
            double y = transB == GemmTranspose.None ? (double)b[(int)(((long)p * ldb) + j)] : (double)b[(int)(((long)j * ldb) + p)];
            sum += x * y;
            magnitude += Math.Abs(x * y);
        }

        return (sum, magnitude);
    }

    /// <summary>
    /// The relative error of a computed element: |actual − value| / magnitude (dimensionless; +∞ for NaN).
    /// </summary>
    /// <param name="actual">The kernel's result.</param>
    /// <param name="value">The reference value from <see cref="Element"/>.</param>
    /// <param name="magnitude">The reference magnitude from <see cref="Element"/>.</param>
    /// <returns>The error relative to Σ|a·b|.</returns>
    public static double RelativeError(float actual, double value, double magnitude)
    {
        double rel = Math.Abs(actual - value) / Math.Max(magnitude, double.Epsilon);
        return double.IsNaN(rel) ? double.PositiveInfinity : rel;
    }

    /// <summary>
    /// The bound on <see cref="RelativeError"/> for FP32 accumulation of <paramref name="k"/> products with FP32
    /// output: 2 (K + 4) 2^-24 (dimensionless; a factor 2 over the first-order bound (K + 4) u₃₂ for blocked sums).
    /// </summary>
    /// <param name="k">The inner dimension.</param>
    /// <returns>The bound.</returns>
    public static double Fp32AccumulationBound(int k) => 2.0 * (k + 4) * Math.Pow(2, -24);
}
