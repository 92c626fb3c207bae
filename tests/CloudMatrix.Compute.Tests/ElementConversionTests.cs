using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Tests;

public class ElementConversionTests
{
    private static DenseTensor<double> Wide() =>
        DenseTensor.Random<double>([7, 1031], seed: 5, RandomDistribution.Normal(0, 1e3));

    [Fact]
    public void DoubleToNarrowTypes_RoundOnce()
    {
        DenseTensor<double> d = Wide();
        DenseTensor<float> f = d.ConvertTo<float>();
        DenseTensor<BFloat16> b = d.ConvertTo<BFloat16>();
        Assert.Equal(d.Shape.ToArray(), b.Shape.ToArray());
        for (int i = 0; i < d.Length; i++)
        {
            Assert.Equal((float)d.Span[i], f.Span[i]);
            Assert.Equal(((BFloat16)d.Span[i]).ToBits(), b.Span[i].ToBits());
        }
    }

    [Fact]
    public void Widening_IsExact_AndRoundTrips()
    {
        DenseTensor<BFloat16> b = Wide().ConvertTo<BFloat16>();
        DenseTensor<float> f = b.ConvertTo<float>();
        DenseTensor<double> d = b.ConvertTo<double>();
        for (int i = 0; i < b.Length; i++)
        {
            Assert.Equal((uint)b.Span[i].ToBits() << 16, BitConverter.SingleToUInt32Bits(f.Span[i]));
            Assert.Equal((double)f.Span[i], d.Span[i]);
        }

        Assert.Equal(b.Span.ToArray().Select(v => v.ToBits()), f.ConvertTo<BFloat16>().Span.ToArray().Select(v => v.ToBits()));
        Assert.Equal(f.Span.ToArray(), d.ConvertTo<float>().Span.ToArray());
        Assert.Equal(b.Span.ToArray().Select(v => v.ToBits()), d.ConvertTo<BFloat16>().Span.ToArray().Select(v => v.ToBits()));
    }

    [Fact]
    public void SameType_IsACopy()
    {
        DenseTensor<double> d = Wide();
        DenseTensor<double> copy = d.ConvertTo<double>();
        copy.Span[0] = 12345;
        Assert.NotEqual(12345, d.Span[0]);
        Assert.Equal(d.Span[1..].ToArray(), copy.Span[1..].ToArray());
    }
}
