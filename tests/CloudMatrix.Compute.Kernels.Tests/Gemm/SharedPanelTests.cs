using CloudMatrix.Compute.Kernels.Gemm;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

/// <summary>
/// Threads that share packed B panels (each packs a slice, all meet at a barrier, two buffers in turn) compute every
/// bit the one-thread call does, across many rounds of jc and pc blocks, and match FP64 with canaries around C.
/// </summary>
[Collection("GemmThresholds")] // with the other tests that change process-wide GEMM thresholds, never at the same time
public class SharedPanelTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SharedPanels_OverManyBlockRounds_EqualOneThreadBitForBit(int threads)
    {
        GemmMicroKernel real = GemmMicroKernel.Select(GemmSimdWidth.Auto);
        // KC of 10 steps and NC of 3 tiles: a 200-deep, 300-wide product runs 20 x 4 rounds of shared panels.
        GemmMicroKernel tiny = real.WithBlocks(2 * real.Mr, 10, 3 * real.Nr);
        BFloat16Gemm.SharedPanelMinBytes = 0; // share even these small panels
        try
        {
            RunSeeds(real, tiny, threads);
        }
        finally
        {
            BFloat16Gemm.SharedPanelMinBytes = 4L << 20;
        }
    }

    private static void RunSeeds(GemmMicroKernel real, GemmMicroKernel tiny, int threads)
    {
        for (int seed = 0; seed < 4; seed++)
        {
            int m = (threads * real.Mr * (8 + seed)) - seed; // whole row panels per thread: the shared path runs
            Assert.True(BFloat16Gemm.SharesPanels(m, tiny, threads));
            var c = new GemmCase(900 + seed, m, 300 - (7 * seed), 200 + seed, (GemmTranspose)(seed & 1), (GemmTranspose)(seed >> 1), 1.5f, seed % 2, seed);
            float[] one = c.RunFloat(new GemmOptions { Kernel = tiny, ThreadCount = 1 });
            float[] many = c.RunFloat(new GemmOptions { Kernel = tiny, ThreadCount = threads });
            Assert.Equal(one, many);
            c.AssertMatches(many, c.C0, bf16Output: false);
            float[] bf16 = c.RunBFloat16(new GemmOptions { Kernel = tiny, ThreadCount = threads }, out float[] c0);
            c.AssertMatches(bf16, c0, bf16Output: true);
        }
    }

    [Theory]
    [InlineData(100, 2, false)]  // 9 row panels of 12: 5 + 4 is 11 % over even
    [InlineData(2048, 2, true)]  // 171 panels: 86 + 85
    [InlineData(171, 2, false)]  // 15 panels: 8 + 7
    [InlineData(12, 2, false)]   // one row panel: columns must be cut
    [InlineData(4096, 3, true)]
    public void SharedPanels_AreChosen_OnlyWhenRowsSplitWithin5Percent(int m, int threads, bool expected)
    {
        Assert.Equal(expected, BFloat16Gemm.SharesPanels(m, GemmMicroKernel.Vector512, threads));
    }
}
