using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Mpi.Tests;

public class RandomBlocksTests
{
    [Theory]
    [InlineData(37, 53, false)]
    [InlineData(130, 90, false)]
    [InlineData(129, 91, true)]
    public void RandomBlocks_EqualTheBlocksOfTheWholeSeededMatrix(int rows, int cols, bool normal)
    {
        RandomDistribution? d = normal ? RandomDistribution.StandardNormal : null;
        BFloat16[] whole = DenseTensor.Random<BFloat16>([rows, cols], 7, d).Span.ToArray();
        (int, int, int, int)[] blocks = [(0, rows, 0, cols), (3, 5, 7, 11), (rows - 1, 1, 0, cols), (rows / 2, rows - (rows / 2), cols / 3, cols / 2), (10, 0, 0, 4)];
        BFloat16[][] got = DenseTensor.RandomBlocks<BFloat16>(rows, cols, 7, blocks, d);
        for (int b = 0; b < blocks.Length; b++)
        {
            var (r0, h, c0, w) = blocks[b];
            for (int r = 0; r < h; r++)
            {
                for (int c = 0; c < w; c++)
                {
                    Assert.Equal(whole[((r0 + r) * cols) + c0 + c].ToBits(), got[b][(r * w) + c].ToBits());
                }
            }
        }
    }

    [Fact]
    public void RandomBlocks_OutsideTheMatrix_NamesTheBlock()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => DenseTensor.RandomBlocks<BFloat16>(10, 10, 1, [(0, 1, 0, 1), (5, 6, 0, 1)]));
        Assert.Contains("block 1", ex.Message, StringComparison.Ordinal);
    }
}
