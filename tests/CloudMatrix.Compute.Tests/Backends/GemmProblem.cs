using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Tests.Backends;

/// <summary>A GEMM's inputs in row-major storage and its FP64 reference with an FP32 accumulation error bound.</summary>
internal sealed record GemmProblem(
    GemmTranspose TransA, GemmTranspose TransB, int M, int N, int K, BFloat16[] A, int Lda, BFloat16[] B, int Ldb, int Ldc)
{
    public int CLength => M * Ldc;

    public static GemmProblem Random(GemmTranspose ta, GemmTranspose tb, int m, int n, int k, int padding, int seed)
    {
        var rng = new Random(seed);
        (int aRows, int aCols) = ta == GemmTranspose.None ? (m, k) : (k, m);
        (int bRows, int bCols) = tb == GemmTranspose.None ? (k, n) : (n, k);
        int lda = aCols + padding, ldb = bCols + padding, ldc = n + padding;
        return new GemmProblem(ta, tb, m, n, k,
            BackendConformanceTests.RandomBFloat16(rng, aRows * lda), lda,
            BackendConformanceTests.RandomBFloat16(rng, bRows * ldb), ldb, ldc);
    }

    private double OpA(int i, int p) => TransA == GemmTranspose.None ? A[(i * Lda) + p] : A[(p * Lda) + i];

    private double OpB(int p, int j) => TransB == GemmTranspose.None ? B[(p * Ldb) + j] : B[(j * Ldb) + p];

    /// <summary>
    /// Checks every element of C against <c>alpha * sum + beta * C0</c> in FP64, within the FP32 accumulation bound
    /// <c>(k + 4) u (|alpha| sum |a||b| + |beta C0|)</c> (u = 2^-24), plus half a bfloat16 ulp for a bfloat16 C.
    /// Elements of the padding columns must be untouched.
    /// </summary>
    public void AssertClose(float[] c, float alpha, float beta, float[]? initialC, bool bfloat16Output, string label)
    {
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < Ldc; j++)
            {
                int index = (i * Ldc) + j;
                if (index >= c.Length)
                {
                    break;
                }

                double old = initialC is null ? 0 : bfloat16Output ? (float)(BFloat16)initialC[index] : initialC[index];
                if (j >= N)
                {
                    Assert.Equal(old, c[index]);
                    continue;
                }

                double sum = 0, magnitude = 0;
                for (int p = 0; p < K; p++)
                {
                    double product = OpA(i, p) * OpB(p, j);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                double expected = (alpha * sum) + (beta == 0 ? 0 : beta * old);
                double bound = ((K + 4) * (1.0 / (1 << 24)) * ((Math.Abs(alpha) * magnitude) + Math.Abs(beta * old))) + 1e-30;
                if (bfloat16Output)
                {
                    bound += Math.Abs(expected) / 256;
                }

                Assert.True(Math.Abs(c[index] - expected) <= bound,
                    $"{label} {M}x{N}x{K}: C[{i},{j}] = {c[index]:R}, FP64 reference {expected:R}, bound {bound:E2}");
            }
        }
    }
}
