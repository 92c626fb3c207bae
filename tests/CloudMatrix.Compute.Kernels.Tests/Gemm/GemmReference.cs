using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

/// <summary>A GEMM problem on strided views, its FP64 reference and the FP32 accumulation error bound.</summary>
internal sealed class GemmCase
{
    public GemmCase(int seed, int m, int n, int k, GemmTranspose transA, GemmTranspose transB, float alpha, float beta, int pad)
    {
        (Seed, M, N, K, TransA, TransB, Alpha, Beta) = (seed, m, n, k, transA, transB, alpha, beta);
        var random = new Random(seed);
        (int aRows, int aCols) = transA == GemmTranspose.None ? (m, k) : (k, m);
        (int bRows, int bCols) = transB == GemmTranspose.None ? (k, n) : (n, k);
        Lda = aCols + pad;
        Ldb = bCols + (pad * 2);
        Ldc = n + pad;

        // Views start at an offset inside larger buffers and leave the padding columns untouched: a shard of a matrix.
        AOffset = pad * 3;
        BOffset = pad;
        COffset = pad * 5;
        A = RandomBf16(random, AOffset + ((aRows - 1) * Lda) + aCols + pad);
        B = RandomBf16(random, BOffset + ((bRows - 1) * Ldb) + bCols + pad);
        C0 = new float[COffset + ((m - 1) * Ldc) + n + pad];
        for (int i = 0; i < C0.Length; i++)
        {
            C0[i] = (float)(random.NextDouble() * 2 - 1);
        }
    }

    public int Seed { get; }
    public int M { get; }
    public int N { get; }
    public int K { get; }
    public GemmTranspose TransA { get; }
    public GemmTranspose TransB { get; }
    public float Alpha { get; }
    public float Beta { get; }
    public int Lda { get; }
    public int Ldb { get; }
    public int Ldc { get; }
    public int AOffset { get; }
    public int BOffset { get; }
    public int COffset { get; }
    public BFloat16[] A { get; }
    public BFloat16[] B { get; }
    public float[] C0 { get; }

    public ReadOnlySpan<BFloat16> AView => A.AsSpan(AOffset);
    public ReadOnlySpan<BFloat16> BView => B.AsSpan(BOffset);

    public override string ToString() =>
        $"seed {Seed}: m={M} n={N} k={K} {TransA}/{TransB} alpha={Alpha} beta={Beta} lda={Lda} ldb={Ldb} ldc={Ldc}";

    public static BFloat16[] RandomBf16(Random random, int length)
    {
        var values = new BFloat16[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (BFloat16)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private double OpA(int i, int p) => TransA == GemmTranspose.None ? A[AOffset + (i * Lda) + p] : A[AOffset + (p * Lda) + i];

    private double OpB(int p, int j) => TransB == GemmTranspose.None ? B[BOffset + (p * Ldb) + j] : B[BOffset + (j * Ldb) + p];

    /// <summary>Runs the FP32-output GEMM under <paramref name="options"/> and returns the whole C buffer.</summary>
    public float[] RunFloat(GemmOptions options)
    {
        float[] c = (float[])C0.Clone();
        BFloat16Gemm.Multiply(TransA, TransB, M, N, K, Alpha, AView, Lda, BView, Ldb, Beta, c.AsSpan(COffset), Ldc, options);
        return c;
    }

    /// <summary>
    /// Runs the FP32-output GEMM with C's storage placed so that the view's first element lies
    /// <paramref name="shift"/> floats (0-15) past a 64-byte boundary, and returns the whole C buffer as
    /// <see cref="RunFloat"/> does (a managed array's own placement is the runtime's choice, so this pins one).
    /// </summary>
    public unsafe float[] RunFloatAt(GemmOptions options, int shift)
    {
        float[] storage = GC.AllocateArray<float>(C0.Length + 32, pinned: true);
        int start;
        fixed (float* p = storage)
        {
            nint view = (nint)(p + COffset);
            start = ((int)((((shift * sizeof(float)) - (view & 63)) % 64) + 64) % 64) / sizeof(float);
            Assert.Equal(shift * sizeof(float), (int)((view + (start * sizeof(float))) & 63));
        }

        Span<float> c = storage.AsSpan(start, C0.Length);
        C0.CopyTo(c);
        BFloat16Gemm.Multiply(TransA, TransB, M, N, K, Alpha, AView, Lda, BView, Ldb, Beta, c[COffset..], Ldc, options);
        return c.ToArray();
    }

    /// <summary>Runs the bfloat16-output GEMM (C starts as C0 rounded to bfloat16) and returns C widened.</summary>
    public float[] RunBFloat16(GemmOptions options, out float[] c0Rounded)
    {
        var c = new BFloat16[C0.Length];
        BFloat16Convert.ToBFloat16(C0, c);
        c0Rounded = new float[c.Length];
        BFloat16Convert.ToSingle(c, c0Rounded);
        BFloat16Gemm.Multiply(TransA, TransB, M, N, K, Alpha, AView, Lda, BView, Ldb, Beta, c.AsSpan(COffset), Ldc, options);
        var result = new float[c.Length];
        BFloat16Convert.ToSingle(c, result);
        return result;
    }

    /// <summary>
    /// Asserts every element of C against the FP64 reference on the same inputs: FP32 accumulation of k products
    /// with the alpha/beta update errs by at most gamma * (|alpha| sum|a||b| + |beta||c0|), gamma = (k + 4) 2^-24
    /// (doubled as a safety factor); a bfloat16 C adds half a bfloat16 ulp (2^-8 relative) of the result. Elements
    /// outside the view must be untouched.
    /// </summary>
    public void AssertMatches(float[] actual, float[] c0, bool bf16Output)
    {
        double gamma = 2.0 * (K + 4) * Math.Pow(2, -24);
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < K; p++)
                {
                    double product = OpA(i, p) * OpB(p, j);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                int index = COffset + (i * Ldc) + j;
                double old = Beta == 0 ? 0 : c0[index];
                double expected = (Alpha * sum) + (Beta * old);
                double bound = (gamma * ((Math.Abs(Alpha) * magnitude) + Math.Abs(Beta * old))) + 1e-30;
                if (bf16Output)
                {
                    bound = (bound * (1 + Math.Pow(2, -8))) + (Math.Abs(expected) * Math.Pow(2, -8));
                }

                double error = Math.Abs(actual[index] - expected);
                if (!(error <= bound))
                {
                    Assert.Fail($"{this}: C[{i},{j}] = {actual[index]:R}, reference {expected:R}, error {error:E3} > bound {bound:E3}");
                }
            }
        }

        // Nothing outside the view changes: padding columns, rows before and after.
        for (int index = 0; index < actual.Length; index++)
        {
            int rel = index - COffset;
            bool inside = rel >= 0 && rel / Ldc < M && rel % Ldc < N;
            if (!inside && BitConverter.SingleToInt32Bits(actual[index]) != BitConverter.SingleToInt32Bits(c0[index]))
            {
                Assert.Fail($"{this}: element {index} outside the view of C was changed.");
            }
        }
    }
}
