using CloudMatrix.Compute.Kernels.Gemm;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

/// <summary>
/// Every generated-kernel configuration the tuning sweeps (tile, unrolling with a remainder loop, prefetch) computes
/// the same GEMM: random shapes and transposes against FP64, with canaries around C, at tiny and real block sizes.
/// </summary>
public class DotKernelConfigTests
{
    public static TheoryData<int, int, int, int, int, int> Configs() => new()
    {
        // rows, vectors, short rows, unroll, prefetch A, prefetch B
        { 12, 2, 6, 1, 0, 0 },
        { 12, 2, 6, 4, 384, 1024 },
        { 14, 2, 7, 2, 0, 512 },
        { 15, 2, 8, 8, 256, 0 },
        { 8, 3, 4, 4, 0, 768 },
        { 6, 4, 3, 2, 128, 2048 },
        { 7, 4, 4, 1, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void GeneratedKernel_OfEveryTunedShape_MatchesFp64Reference(int rows, int vectors, int shortRows, int unroll, int prefetchA, int prefetchB)
    {
        var config = new DotKernelConfig(rows, vectors, shortRows, unroll, prefetchA, prefetchB, 4 * rows, 64, 8 * 16 * vectors);
        GemmMicroKernel? kernel = BFloat16DotKernels.Build(config);
        if (!BFloat16DotKernels.CpuSupportsBf16Dot)
        {
            // No AVX512_BF16 here: the emitter is not reachable, and Build says so.
            Assert.Null(kernel);
            return;
        }

        Assert.NotNull(kernel);
        Assert.Equal((rows, 16 * vectors), (kernel.Mr, kernel.Nr));
        GemmMicroKernel tiny = kernel.WithBlocks(2 * rows, 6 + (2 * unroll), 3 * kernel.Nr);
        for (int seed = 0; seed < 6; seed++)
        {
            var random = new Random((rows * 1000) + (vectors * 100) + seed);
            int m = random.Next(1, 3 * rows * 3), n = random.Next(1, 7 * kernel.Nr), k = random.Next(1, 90);
            (float alpha, float beta) = seed % 3 == 0 ? (1f, 0f) : seed % 3 == 1 ? (0.5f, -2f) : (-1.25f, 0.75f);
            var c = new GemmCase(seed, m, n, k, (GemmTranspose)(seed & 1), (GemmTranspose)((seed >> 1) & 1), alpha, beta, seed % 4);
            foreach (GemmMicroKernel blocks in new[] { kernel, tiny })
            {
                var options = new GemmOptions { Kernel = blocks, ThreadCount = 1 + (seed % 2) };
                c.AssertMatches(c.RunFloat(options), c.C0, bf16Output: false);
                float[] result = c.RunBFloat16(options, out float[] c0);
                c.AssertMatches(result, c0, bf16Output: true);
            }
        }
    }

    [Fact]
    public void TileThatNeedsMoreThan32Registers_IsRefused()
    {
        Assert.Null(BFloat16DotKernels.Build(new DotKernelConfig(16, 2, 8, 1, 0, 0, 64, 64, 64)));
    }
}
