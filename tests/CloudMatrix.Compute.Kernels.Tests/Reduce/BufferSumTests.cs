using CloudMatrix.Compute.Kernels.Reduce;
using CloudMatrix.Compute.Numerics;
using CsCheck;

namespace CloudMatrix.Compute.Kernels.Tests.Reduce;

public class BufferSumTests
{
    [Fact]
    public void Sum_Single_IsTheLeftToRightFp32Sum_AcrossBlockBoundaries()
    {
        // Lengths around the 2048-element block and the vector widths, any number of sources.
        Gen.Select(Gen.Int[1, 5], Gen.OneOfConst(1, 7, 2047, 2048, 2049, 5000), Gen.Int)
            .Sample((count, length, seed) =>
            {
                var rng = new Random(seed);
                float[][] sources = Enumerable.Range(0, count)
                    .Select(_ => Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() - 0.5) * 1e3)).ToArray()).ToArray();
                var destination = new float[length];
                BufferSum.Sum(sources.Select(s => (ReadOnlyMemory<float>)s).ToList(), destination);
                for (int i = 0; i < length; i++)
                {
                    float expected = sources[0][i];
                    for (int s = 1; s < count; s++)
                    {
                        expected += sources[s][i];
                    }

                    Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(destination[i]));
                }
            }, iter: 40);
    }

    [Fact]
    public void Sum_BFloat16_RoundsTheFp32SumOnce()
    {
        var rng = new Random(3);
        BFloat16[][] sources = Enumerable.Range(0, 3)
            .Select(_ => Enumerable.Range(0, 3000).Select(_ => (BFloat16)(rng.NextDouble() * 10)).ToArray()).ToArray();
        var destination = new BFloat16[3000];
        BufferSum.Sum(sources.Select(s => (ReadOnlyMemory<BFloat16>)s).ToList(), destination);
        for (int i = 0; i < 3000; i++)
        {
            float sum = ((float)sources[0][i] + sources[1][i]) + sources[2][i];
            Assert.Equal(((BFloat16)sum).ToBits(), destination[i].ToBits());
        }
    }

    [Theory]
    [InlineData(2, 4096, false)]
    [InlineData(3, 10007, false)]
    [InlineData(9, 5000, true)]
    [InlineData(8, 2048 * 5, true)]
    public void Sum_BFloat16_LongBuffers_StreamEverySourceAtOnce_WithTheSameBits(int count, int length, bool inPlace)
    {
        // From 4096 elements every source is read at once (one stream each); the order per element and the single
        // rounding must not change. Specials included: NaN, both infinities, signed zeros, subnormals.
        var rng = new Random(count * length);
        BFloat16[] specials = [BFloat16.NaN, BFloat16.PositiveInfinity, BFloat16.NegativeInfinity, BFloat16.FromBits(0x8000), BFloat16.FromBits(0x0001)];
        BFloat16[][] sources = Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, length)
                .Select(_ => rng.Next(200) == 0 ? specials[rng.Next(specials.Length)] : (BFloat16)((rng.NextDouble() - 0.5) * 1e3)).ToArray())
            .ToArray();
        var expected = new ushort[length];
        for (int i = 0; i < length; i++)
        {
            float sum = (float)sources[0][i];
            for (int s = 1; s < count; s++)
            {
                sum += (float)sources[s][i];
            }

            expected[i] = ((BFloat16)sum).ToBits();
        }

        BFloat16[] destination = inPlace ? sources[0] : new BFloat16[length];
        BufferSum.Sum(sources.Select(s => (ReadOnlyMemory<BFloat16>)s).ToList(), destination);
        Assert.Equal(expected, destination.Select(x => x.ToBits()).ToArray());
    }

    [Fact]
    public void Sum_BFloat16_OneRoundingNotOnePerStep()
    {
        // 1 + 2^-8 + 2^-8: rounding after every step would lose both halves of an ulp (ties to even: 1, then 1);
        // summing in FP32 and rounding once gives 1 + 2^-7.
        BFloat16 one = BFloat16.One, half = (BFloat16)(1.0 / 256);
        var destination = new BFloat16[1];
        BufferSum.Sum(new ReadOnlyMemory<BFloat16>[] { new[] { one }, new[] { half }, new[] { half } }, destination);
        Assert.Equal(1 + (1.0 / 128), (double)destination[0]);
    }

    [Fact]
    public void Sum_InPlace_IntoASource_IsAllowed()
    {
        float[] x = [1, 2, 3], y = [10, 20, 30];
        BufferSum.Sum(new ReadOnlyMemory<float>[] { x, y }, y);
        Assert.Equal([11f, 22f, 33f], y);
    }

    [Fact]
    public void Sum_BadInput_IsRefused()
    {
        float[] data = new float[10];
        Assert.Equal("sources", Assert.Throws<ArgumentException>(() => BufferSum.Sum(Array.Empty<ReadOnlyMemory<float>>(), data)).ParamName);
        Assert.Equal("sources", Assert.Throws<ArgumentException>(() => BufferSum.Sum(new ReadOnlyMemory<float>[] { new float[9] }, data)).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => BufferSum.Sum(new ReadOnlyMemory<float>[] { data.AsMemory(1, 8) }, data.AsSpan(0, 8)));
        Assert.Equal("destination", ex.ParamName);
        Assert.Throws<ArgumentNullException>(() => BufferSum.Sum((IReadOnlyList<ReadOnlyMemory<float>>)null!, data));
    }
}
