using CloudMatrix.Compute.Kernels.Gemm;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests.Gemm;

/// <summary>
/// A sharded product as a batch: the devices of one column block read the same B view and those of one row block the
/// same A view, which the batch packs once between them. Every shard must equal its own <c>Multiply</c> call bit for bit, and the whole C must match FP64.
/// </summary>
public class BatchSharedOperandTests
{
    [Theory]
    [InlineData(1, false, false, false)]
    [InlineData(2, false, false, false)]
    [InlineData(3, true, false, false)]
    [InlineData(2, false, true, false)]
    [InlineData(2, true, true, false)]
    [InlineData(2, false, false, true)]
    [InlineData(3, true, true, true)]
    public void ShardGrid_WithSharedAAndB_EqualsEachShardAlone_AndFp64(int threads, bool transB, bool tinyBlocks, bool groupByGroup)
    {
        // groupByGroup: a budget of 0 bytes for packing every shared operand ahead, so B is shared one column at a time.
        if (groupByGroup)
        {
            GemmBatchWork.PrepackAllBytes = 0;
        }

        const int M = 61, N = 150, K = 203, RowBlocks = 5, ColumnBlocks = 3;
        var random = new Random(threads + (transB ? 10 : 0) + (tinyBlocks ? 100 : 0));
        BFloat16[] a = GemmCase.RandomBf16(random, M * K);
        BFloat16[] b = GemmCase.RandomBf16(random, K * N);
        int ldb = transB ? K : N;
        float[] c = new float[M * N];
        GemmMicroKernel real = GemmMicroKernel.Select(GemmSimdWidth.Auto);
        GemmMicroKernel kernel = tinyBlocks ? real.WithBlocks(2 * real.Mr, 12, 2 * real.Nr) : real;

        var items = new List<GemmBatchItem>();
        var expected = new List<(int I0, int Rows, int J0, int Columns, float[] Alone)>();
        for (int r = 0; r < RowBlocks; r++)
        {
            (int i0, int i1) = (M * r / RowBlocks, M * (r + 1) / RowBlocks);
            for (int q = 0; q < ColumnBlocks; q++)
            {
                (int j0, int j1) = (N * q / ColumnBlocks, N * (q + 1) / ColumnBlocks);
                ReadOnlyMemory<BFloat16> aView = a.AsMemory(i0 * K, ((i1 - i0 - 1) * K) + K);
                int bStart = transB ? j0 * K : j0;
                int bLength = transB ? ((j1 - j0 - 1) * K) + K : ((K - 1) * N) + (j1 - j0);
                ReadOnlyMemory<BFloat16> bView = b.AsMemory(bStart, bLength);
                items.Add(new GemmBatchItem(GemmTranspose.None, transB ? GemmTranspose.Transpose : GemmTranspose.None,
                    i1 - i0, j1 - j0, K, 1f, aView, K, bView, ldb, 0f, c.AsMemory((i0 * N) + j0, ((i1 - i0 - 1) * N) + (j1 - j0)), N));

                float[] alone = new float[(i1 - i0) * (j1 - j0)];
                BFloat16Gemm.Multiply(GemmTranspose.None, transB ? GemmTranspose.Transpose : GemmTranspose.None,
                    i1 - i0, j1 - j0, K, 1f, aView.Span, K, bView.Span, ldb, 0f, alone, j1 - j0, new GemmOptions { Kernel = kernel, ThreadCount = 1 });
                expected.Add((i0, i1 - i0, j0, j1 - j0, alone));
            }
        }

        try
        {
            BFloat16Gemm.MultiplyBatch(items.ToArray(), new GemmOptions { Kernel = kernel, ThreadCount = threads });
        }
        finally
        {
            GemmBatchWork.PrepackAllBytes = 512L << 20;
        }

        foreach ((int i0, int rows, int j0, int columns, float[] alone) in expected)
        {
            for (int i = 0; i < rows; i++)
            {
                Assert.Equal(alone.AsSpan(i * columns, columns).ToArray(), c.AsSpan(((i0 + i) * N) + j0, columns).ToArray());
            }
        }

        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < K; p++)
                {
                    double product = (double)(float)a[(i * K) + p] * (float)b[transB ? (j * K) + p : (p * N) + j];
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                Assert.True(Math.Abs(c[(i * N) + j] - sum) <= 2.0 * (K + 4) * Math.Pow(2, -24) * magnitude,
                    $"C[{i},{j}] = {c[(i * N) + j]}, FP64 {sum}");
            }
        }
    }
}
