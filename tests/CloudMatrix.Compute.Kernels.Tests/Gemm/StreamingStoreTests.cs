using CloudMatrix.Compute.Kernels.Gemm;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

/// <summary>
/// A write-only, one-K-block FP32 C is stored with non-temporal stores (tiles whose rows start on a 64-byte line)
/// and ordinary ones elsewhere. Whatever the alignment of C, its leading dimension, beta, the depth of K, the split
/// over threads or the batch path, every bit equals the call with ordinary stores, and C matches FP64 with the
/// elements around the view untouched.
/// </summary>
[Collection("GemmThresholds")] // with the other tests that change process-wide GEMM thresholds, never at the same time
public class StreamingStoreTests
{
    /// <summary>Runs <paramref name="check"/> with streaming allowed for C of any size, then restores the threshold.</summary>
    private static void WithStreaming(Action check)
    {
        long saved = GemmDriver.StreamMinBytes;
        GemmDriver.StreamMinBytes = 0;
        try
        {
            check();
        }
        finally
        {
            GemmDriver.StreamMinBytes = saved;
        }
    }

    /// <summary>The call's result with ordinary stores only.</summary>
    private static float[] Ordinary(GemmCase c, GemmOptions options, int shift)
    {
        long saved = GemmDriver.StreamMinBytes;
        GemmDriver.StreamMinBytes = long.MaxValue;
        try
        {
            return c.RunFloatAt(options, shift);
        }
        finally
        {
            GemmDriver.StreamMinBytes = saved;
        }
    }

    private static bool Streams(GemmCase c, GemmMicroKernel kernel)
    {
        var call = new GemmCall { M = c.M, N = c.N, K = c.K, Alpha = c.Alpha, Beta = c.Beta, Ldc = c.Ldc };
        return GemmDriver.StreamsC(call, kernel);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryAlignmentOfC_EveryThreadCount_EqualsOrdinaryStoresBitForBit(int threads)
    {
        GemmMicroKernel kernel = GemmMicroKernel.Select(GemmSimdWidth.Auto);
        WithStreaming(() =>
        {
            for (int shift = 0; shift < 16; shift++)
            {
                // n = 300 with pad 4: ldc = 304, a multiple of 16, so every row of C has the same offset from a line.
                var c = new GemmCase(7000 + shift, (threads * 2 * kernel.Mr) + shift, 300, 64 - shift, (GemmTranspose)(shift & 1),
                    (GemmTranspose)((shift >> 1) & 1), shift % 3 == 0 ? 1f : -0.75f, 0f, 4);
                Assert.Equal(kernel.CanStream, Streams(c, kernel));
                var options = new GemmOptions { Kernel = kernel, ThreadCount = threads };
                float[] streamed = c.RunFloatAt(options, shift);
                Assert.Equal(Ordinary(c, options, shift), streamed);
                c.AssertMatches(streamed, c.C0, bf16Output: false);
            }
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void SharedPanelsAndColumnSplits_WithSmallBlocks_EqualOrdinaryStoresBitForBit(int threads)
    {
        GemmMicroKernel real = GemmMicroKernel.Select(GemmSimdWidth.Auto);
        // NC of 3 tiles: several column blocks after the lead block; MC of 2 tiles: several row blocks.
        GemmMicroKernel tiny = real.WithBlocks(2 * real.Mr, 128, 3 * real.Nr);
        long sharedMin = BFloat16Gemm.SharedPanelMinBytes;
        BFloat16Gemm.SharedPanelMinBytes = 0;
        try
        {
            WithStreaming(() =>
            {
                // Shapes for the shared-panel split (many row panels), the grid split over columns (one row panel)
                // and odd edges in both directions.
                (int M, int N, int K)[] shapes = [(threads * real.Mr * 9, 400, 96), (real.Mr, 700, 33), (131, 225, 128), (5, 47, 1)];
                for (int s = 0; s < shapes.Length; s++)
                {
                    (int m, int n, int k) = shapes[s];
                    int pad = (16 - (n % 16)) % 16; // ldc a multiple of 16
                    var c = new GemmCase(7100 + s, m, n, k, GemmTranspose.None, (GemmTranspose)(s & 1), 1.5f, 0f, pad);
                    Assert.Equal(tiny.CanStream, Streams(c, tiny));
                    foreach (int shift in new[] { 0, 3, 15 })
                    {
                        var options = new GemmOptions { Kernel = tiny, ThreadCount = threads };
                        float[] streamed = c.RunFloatAt(options, shift);
                        Assert.Equal(Ordinary(c, options, shift), streamed);
                        c.AssertMatches(streamed, c.C0, bf16Output: false);
                    }
                }
            });
        }
        finally
        {
            BFloat16Gemm.SharedPanelMinBytes = sharedMin;
        }
    }

    [Fact]
    public void CallsThatMustNotStream_AreRecognised_AndStillMatchReference()
    {
        GemmMicroKernel kernel = GemmMicroKernel.Select(GemmSimdWidth.Auto);
        GemmMicroKernel tiny = kernel.WithBlocks(2 * kernel.Mr, 16, 4 * kernel.Nr);
        WithStreaming(() =>
        {
            // (kernel, m, n, k, beta, pad): ldc not a multiple of 16; beta != 0 (C is read); K over several KC blocks
            // (C is read back between them); K deeper than the streaming limit.
            (GemmMicroKernel Kernel, int M, int N, int K, float Beta, int Pad)[] cases =
            [
                (kernel, 50, 100, 40, 0f, 3),
                (kernel, 50, 96, 40, 0.5f, 0),
                (tiny, 50, 96, 40, 0f, 0),
                (kernel, 30, 96, GemmDriver.StreamMaxK + 2, 0f, 0),
            ];
            for (int i = 0; i < cases.Length; i++)
            {
                var (k, m, n, depth, beta, pad) = cases[i];
                var c = new GemmCase(7200 + i, m, n, depth, GemmTranspose.None, GemmTranspose.None, 1f, beta, pad);
                Assert.False(Streams(c, k), c.ToString());
                for (int threads = 1; threads <= 2; threads++)
                {
                    c.AssertMatches(c.RunFloatAt(new GemmOptions { Kernel = k, ThreadCount = threads }, 5), c.C0, bf16Output: false);
                }
            }
        });
    }

    [Fact]
    public void Batch_WithPackedSharedOperands_EqualsEachItemRunAlone()
    {
        WithStreaming(() =>
        {
            // Four items over one B (packed once for all of them), C rows 256 floats apart at four offsets from a line.
            const int M = 40, N = 256, K = 48;
            var random = new Random(7300);
            var a = GemmCase.RandomBf16(random, 4 * M * K);
            var b = GemmCase.RandomBf16(random, K * N);
            float[] c = GC.AllocateArray<float>((4 * M * N) + 64, pinned: true);
            float[] alone = new float[c.Length];
            var items = new GemmBatchItem[4];
            for (int q = 0; q < items.Length; q++)
            {
                int offset = (q * M * N) + (5 * q);
                items[q] = new GemmBatchItem(GemmTranspose.None, GemmTranspose.None, M, N, K, 1f, a.AsMemory(q * M * K, M * K), K,
                    b, N, 0f, c.AsMemory(offset, M * N), N);
                BFloat16Gemm.Multiply(GemmTranspose.None, GemmTranspose.None, M, N, K, 1f, a.AsSpan(q * M * K, M * K), K, b, N, 0f,
                    alone.AsSpan(offset, M * N), N, new GemmOptions { ThreadCount = 1 });
            }

            BFloat16Gemm.MultiplyBatch(items, new GemmOptions { ThreadCount = 2 });
            Assert.Equal(alone, c);
        });
    }
}
