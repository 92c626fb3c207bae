using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Testing;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

public class BFloat16GemmTests
{
    public static TheoryData<int> Widths()
    {
        var data = new TheoryData<int>();
        foreach (GemmSimdWidth width in new[] { GemmSimdWidth.Scalar, GemmSimdWidth.Vector256, GemmSimdWidth.Vector512, GemmSimdWidth.Avx512Bf16 })
        {
            data.Add((int)width);
        }

        return data;
    }

    private static readonly (float Alpha, float Beta)[] Scales = [(1, 0), (1, 1), (0.5f, -2), (-1.25f, 0.75f), (0, 3), (2, 0)];

    private static GemmOptions Options(GemmSimdWidth width, int threads = 1)
    {
        if (!GemmMicroKernel.IsSupported(width))
        {
            // The host cannot run this width: the Auto kernel is tested instead, and the test says so in its name.
            width = GemmSimdWidth.Auto;
        }

        return new GemmOptions { SimdWidth = width, ThreadCount = threads };
    }

    private static GemmCase RandomCase(int seed, int maxDim)
    {
        var random = new Random(seed);
        int m = random.Next(1, maxDim + 1), n = random.Next(1, maxDim + 1), k = random.Next(1, maxDim + 1);
        var (alpha, beta) = Scales[random.Next(Scales.Length)];
        return new GemmCase(seed, m, n, k, (GemmTranspose)random.Next(2), (GemmTranspose)random.Next(2), alpha, beta, random.Next(0, 4));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RandomShapes_FloatOutput_MatchFp64ReferenceWithinAccumulationBound(int width)
    {
        for (int seed = 0; seed < 24; seed++)
        {
            GemmCase c = RandomCase((width * 1000) + seed, 300);
            c.AssertMatches(c.RunFloat(Options((GemmSimdWidth)width)), c.C0, bf16Output: false);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RandomShapes_BFloat16Output_MatchFp64ReferenceWithinBoundPlusHalfUlp(int width)
    {
        for (int seed = 0; seed < 12; seed++)
        {
            GemmCase c = RandomCase((width * 1000) + 500 + seed, 200);
            float[] result = c.RunBFloat16(Options((GemmSimdWidth)width), out float[] c0);
            c.AssertMatches(result, c0, bf16Output: true);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryTransposeAndEdgeTile_AroundTheRegisterTile_MatchesReference(int width)
    {
        GemmMicroKernel kernel = Options((GemmSimdWidth)width).SelectKernel();
        int seed = 0;
        foreach (int m in new[] { 1, kernel.MrShort, kernel.MrShort + 1, kernel.Mr - 1, kernel.Mr, kernel.Mr + 1, (2 * kernel.Mr) + 3 })
        {
            foreach (int n in new[] { 1, kernel.NrNarrow, kernel.NrNarrow + 1, kernel.Nr - 1, kernel.Nr + 1, (2 * kernel.Nr) + 5 })
            {
                foreach (var (ta, tb) in new[] { (0, 0), (0, 1), (1, 0), (1, 1) })
                {
                    var c = new GemmCase(seed++, Math.Max(1, m), Math.Max(1, n), 1 + (seed % 37), (GemmTranspose)ta, (GemmTranspose)tb, 1.5f, seed % 2, 1);
                    c.AssertMatches(c.RunFloat(Options((GemmSimdWidth)width)), c.C0, bf16Output: false);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TinyBlockSizes_ReachEveryBlockLoop_AndMatchReference(int width)
    {
        // MC, KC and NC of a few tiles make small shapes cross every block boundary (ic, pc and jc loops).
        GemmMicroKernel real = Options((GemmSimdWidth)width).SelectKernel();
        GemmMicroKernel tiny = real.WithBlocks(2 * real.Mr, 7 + (width % 2), 3 * real.Nr);
        for (int seed = 0; seed < 8; seed++)
        {
            GemmCase c = RandomCase(7000 + seed, 120);
            var options = new GemmOptions { Kernel = tiny, ThreadCount = 1 + (seed % 3) };
            c.AssertMatches(c.RunFloat(options), c.C0, bf16Output: false);
            float[] result = c.RunBFloat16(options, out float[] c0);
            c.AssertMatches(result, c0, bf16Output: true);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SubnormalInputs_AreKeptByManagedKernels_AndFlushedByTheBf16DotKernel(int width)
    {
        // 2^-130 is a bfloat16 subnormal; times 1 it is an FP32 subnormal. 1 x 1 x 1 products, beta 0.
        BFloat16[] a = [BFloat16.FromBits(0x0002)];
        BFloat16[] b = [BFloat16.One];
        var c = new float[1];
        BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, 1, 1, 1, 1, a, 1, b, 1, 0, c, 1, Options((GemmSimdWidth)width));
        bool flushes = Options((GemmSimdWidth)width).SelectKernel().IsNative;
        Assert.Equal(flushes ? 0f : (float)a[0], c[0]);
    }

    [Fact]
    public void KernelInUse_IsReported()
    {
        Assert.Equal(GemmMicroKernel.Select(GemmSimdWidth.Auto).Name, BFloat16Gemm.KernelName);
        Assert.Equal(GemmMicroKernel.IsSupported(GemmSimdWidth.Avx512Bf16), BFloat16Gemm.KernelName.StartsWith("avx512bf16", StringComparison.Ordinal));
    }

    [Fact]
    public void ThreadCount_DoesNotChangeAnyBit()
    {
        foreach (int seed in new[] { 11, 12, 13 })
        {
            var c = new GemmCase(seed, 170 + seed, 150 + seed, 300, GemmTranspose.None, GemmTranspose.Transpose, 1, 0.5f, 2);
            float[] one = c.RunFloat(new GemmOptions { ThreadCount = 1 });
            foreach (int threads in new[] { 2, 3, 4, 7 })
            {
                Assert.Equal(one, c.RunFloat(new GemmOptions { ThreadCount = threads }));
            }
        }
    }

    [Fact]
    public void Batch_EqualsEachItemRunAlone()
    {
        var cases = new List<GemmCase>();
        for (int seed = 0; seed < 9; seed++)
        {
            cases.Add(RandomCase(9000 + seed, 90));
        }

        foreach (int threads in new[] { 1, 2, 16 })
        {
            var outputs = cases.Select(c => (float[])c.C0.Clone()).ToArray();
            var bf16Outputs = cases.Select(c => new BFloat16[c.C0.Length]).ToArray();
            var items = new List<GemmBatchItem>();
            for (int i = 0; i < cases.Count; i++)
            {
                GemmCase c = cases[i];
                items.Add(new GemmBatchItem(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, c.A.AsMemory(c.AOffset), c.Lda,
                    c.B.AsMemory(c.BOffset), c.Ldb, c.Beta, outputs[i].AsMemory(c.COffset), c.Ldc));
                items.Add(new GemmBatchItem(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, c.A.AsMemory(c.AOffset), c.Lda,
                    c.B.AsMemory(c.BOffset), c.Ldb, 0, bf16Outputs[i].AsMemory(c.COffset), c.Ldc));
            }

            BFloat16Gemm.MultiplyBatch(items.ToArray(), new GemmOptions { ThreadCount = threads });
            for (int i = 0; i < cases.Count; i++)
            {
                GemmCase c = cases[i];
                Assert.Equal(c.RunFloat(new GemmOptions { ThreadCount = 1 }), outputs[i]);
                var alone = new BFloat16[c.C0.Length];
                BFloat16Gemm.Multiply(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, c.AView, c.Lda, c.BView, c.Ldb, 0,
                    alone.AsSpan(c.COffset), c.Ldc, new GemmOptions { ThreadCount = 1 });
                Assert.Equal(alone.Select(x => x.ToBits()), bf16Outputs[i].Select(x => x.ToBits()));
            }
        }
    }

    [Fact]
    public void SteadyStateCall_AllocatesNothingOnTheManagedHeap()
    {
        var c = new GemmCase(5, 100, 90, 80, GemmTranspose.None, GemmTranspose.None, 1, 0, 0);
        float[] output = new float[c.C0.Length];
        var options = new GemmOptions { ThreadCount = 1 };
        void Call() => BFloat16Gemm.Multiply(c.TransA, c.TransB, c.M, c.N, c.K, 1, c.AView, c.Lda, c.BView, c.Ldb, 0, output, c.Ldc, options);
        Call();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Call();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BetaZero_DoesNotReadC_SoNaNInCIsOverwritten()
    {
        var c = new GemmCase(21, 20, 40, 10, GemmTranspose.None, GemmTranspose.None, 1, 0, 0);
        Array.Fill(c.C0, float.NaN);
        float[] result = c.RunFloat(new GemmOptions { ThreadCount = 1 });
        Assert.DoesNotContain(result, float.IsNaN);
    }

    [Fact]
    public void NaNInA_PropagatesToItsRowOnly_EvenWithAlphaZero()
    {
        var c = new GemmCase(22, 20, 40, 10, GemmTranspose.None, GemmTranspose.None, 0, 0, 0);
        c.A[c.AOffset + (3 * c.Lda) + 4] = BFloat16.NaN;
        float[] result = c.RunFloat(new GemmOptions { ThreadCount = 1 });
        for (int i = 0; i < c.M; i++)
        {
            for (int j = 0; j < c.N; j++)
            {
                Assert.Equal(i == 3, float.IsNaN(result[(i * c.Ldc) + j]));
            }
        }
    }

    [Fact]
    public void NaNAlphaOrBeta_MakesEveryElementNaN()
    {
        var c = new GemmCase(23, 20, 40, 10, GemmTranspose.None, GemmTranspose.None, float.NaN, 1, 0);
        Assert.All(c.RunFloat(GemmOptions.Default), x => Assert.True(float.IsNaN(x)));
        var d = new GemmCase(23, 20, 40, 10, GemmTranspose.None, GemmTranspose.None, 1, float.NaN, 0);
        Assert.All(d.RunFloat(GemmOptions.Default), x => Assert.True(float.IsNaN(x)));
    }

    [Fact]
    public void BFloat16Output_RoundsToNearestEven_OnAHandWorkedCase()
    {
        // 1 x 1 x 2: 1 + 2^-8 is exactly halfway between bfloat16 neighbours 1 and 1 + 2^-7: ties to even gives 1.
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even gives 1 + 2^-6.
        BFloat16[] a = [BFloat16.One, BFloat16.One];
        BFloat16[] b1 = [BFloat16.One, (BFloat16)MathF.Pow(2, -8)];
        BFloat16[] b2 = [BFloat16.One, (BFloat16)(3 * MathF.Pow(2, -8))];
        var c = new BFloat16[1];
        BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, 1, 1, 2, 1, a, 2, b1, 1, 0, c, 1);
        Assert.Equal(1f, (float)c[0]);
        BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, 1, 1, 2, 1, a, 2, b2, 1, 0, c, 1);
        Assert.Equal(1 + MathF.Pow(2, -6), (float)c[0]);
    }

    [Fact]
    public void BadInput_IsRefusedWithTheParameterName()
    {
        var a = new BFloat16[12];
        var b = new BFloat16[12];
        var c = new float[12];
        var none = GemmTranspose.None;
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => BFloat16Gemm.Multiply(none, none, 0, 3, 4, 1, a, 4, b, 3, 0, c, 3)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => BFloat16Gemm.Multiply(none, none, 3, 3, -1, 1, a, 4, b, 3, 0, c, 3)).ParamName);
        Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => BFloat16Gemm.Multiply(none, none, 3, 3, 4, 1, a, 3, b, 3, 0, c, 3)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => BFloat16Gemm.Multiply(none, GemmTranspose.Transpose, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentOutOfRangeException>(() => BFloat16Gemm.Multiply(none, none, 3, 3, 4, 1, a, 4, b, 3, 0, c, 2)).ParamName);
        // A 3 x 4 view with lda 5 needs 2 * 5 + 4 = 14 elements; a has 12.
        var ex = Assert.Throws<ArgumentException>(() => BFloat16Gemm.Multiply(none, none, 3, 3, 4, 1, a, 5, b, 3, 0, c, 3));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("14", ex.Message, StringComparison.Ordinal);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => BFloat16Gemm.Multiply(none, none, 3, 4, 3, 1, a, 3, b, 4, 0, c, 5)).ParamName);
        Assert.Equal("transA", Assert.Throws<ArgumentOutOfRangeException>(() => BFloat16Gemm.Multiply((GemmTranspose)7, none, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3)).ParamName);
        Assert.Throws<ArgumentNullException>(() => BFloat16Gemm.Multiply(none, none, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GemmOptions { ThreadCount = -1 });
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => new GemmBatchItem(none, none, 3, 3, 5, 1, new BFloat16[15], 5, b, 3, 0, c.AsMemory(), 3)).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentException>(() => BFloat16Gemm.MultiplyBatch(new GemmBatchItem[2])).ParamName);
    }

    [HeavyFact]
    public void ManyRandomShapes_AllWidths_AllThreadCounts_MatchReference()
    {
        for (int seed = 0; seed < 300; seed++)
        {
            GemmCase c = RandomCase(100_000 + seed, 300);
            foreach (GemmSimdWidth width in new[] { GemmSimdWidth.Scalar, GemmSimdWidth.Vector256, GemmSimdWidth.Vector512, GemmSimdWidth.Avx512Bf16 })
            {
                c.AssertMatches(c.RunFloat(Options(width, 1 + (seed % 3))), c.C0, bf16Output: false);
            }
        }
    }
}
