using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Tests;

public class RandomTensorTests
{
    [Fact]
    public void SplitMix64_MatchesPublishedOutputs()
    {
        // The SplitMix64 reference outputs for seed 1234567 (as listed with the algorithm on Rosetta Code).
        ulong state = 1234567;
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        foreach (ulong value in expected)
        {
            Assert.Equal(value, Xoshiro256StarStar.SplitMix64(ref state));
        }
    }

    [Fact]
    public void UniformStream_MatchesAnIndependentImplementation()
    {
        // The first draws of seed 12345, uniform on [-1, 1], from a separate Python implementation of SplitMix64
        // seeding and xoshiro256** written from Blackman and Vigna's reference C code (u = (x >> 11) 2^-53, 2u - 1).
        // A tensor equal to these on any machine shows the stream does not depend on the machine.
        double[] expected = [0.48761632631317875, -0.739908930744331, 0.9266689860257089, -0.9033197703273084];
        Assert.Equal(expected, DenseTensor.Random<double>([4], seed: 12345).Span.ToArray());
    }

    [Fact]
    public void SameSeed_SameTensor_DifferentSeed_DifferentTensor()
    {
        var normal = RandomDistribution.Normal(0, 1);
        double[] first = DenseTensor.Random<double>([33, 17], 7, normal).Span.ToArray();
        Assert.Equal(first, DenseTensor.Random<double>([33, 17], 7, normal).Span.ToArray());
        Assert.NotEqual(first, DenseTensor.Random<double>([33, 17], 8, normal).Span.ToArray());
        // The stream is row-major: the shape does not change the values, only their arrangement.
        Assert.Equal(first, DenseTensor.Random<double>([17 * 33], 7, normal).Span.ToArray());
    }

    [Theory]
    [InlineData(RandomDistributionKind.Uniform)]
    [InlineData(RandomDistributionKind.Normal)]
    public void NarrowTypes_AreTheDoubleStreamRoundedOnce(RandomDistributionKind kind)
    {
        RandomDistribution d = kind == RandomDistributionKind.Uniform ? RandomDistribution.Uniform(-3, 5) : RandomDistribution.Normal(1, 2);
        double[] wide = DenseTensor.Random<double>([5000], 99, d).Span.ToArray();
        float[] single = DenseTensor.Random<float>([5000], 99, d).Span.ToArray();
        BFloat16[] half = DenseTensor.Random<BFloat16>([5000], 99, d).Span.ToArray();
        for (int i = 0; i < wide.Length; i++)
        {
            Assert.Equal((float)wide[i], single[i]);
            Assert.Equal(((BFloat16)wide[i]).ToBits(), half[i].ToBits());
        }
    }

    [Fact]
    public void Uniform_HasTheMomentsAndBoundsOfItsDistribution()
    {
        double[] x = DenseTensor.Random<double>([200_000], 1, RandomDistribution.Uniform(-2, 6)).Span.ToArray();
        double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, 2 - 0.02, 2 + 0.02);                       // (a + b) / 2
        Assert.InRange(variance, (64.0 / 12) * 0.99, (64.0 / 12) * 1.01); // (b - a)^2 / 12
        Assert.True(x.Min() >= -2 && x.Max() <= 6);
        Assert.InRange(x.Count(v => v < 0) / (double)x.Length, 0.25 - 0.005, 0.25 + 0.005);
    }

    [Fact]
    public void Normal_HasTheMomentsAndShapeOfItsDistribution()
    {
        double[] x = DenseTensor.Random<double>([200_000], 2, RandomDistribution.Normal(3, 2)).Span.ToArray();
        double mean = x.Average(), sd = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, 3 - 0.02, 3 + 0.02);
        Assert.InRange(sd, 2 * 0.99, 2 * 1.01);
        // Share within one and two standard deviations: 0.6827 and 0.9545 for a Gaussian.
        Assert.InRange(x.Count(v => Math.Abs(v - 3) < 2) / (double)x.Length, 0.6827 - 0.005, 0.6827 + 0.005);
        Assert.InRange(x.Count(v => Math.Abs(v - 3) < 4) / (double)x.Length, 0.9545 - 0.003, 0.9545 + 0.003);
    }

    [Fact]
    public void DeterministicLog_AgreesWithMathLog()
    {
        var random = new Random(3);
        for (int i = 0; i < 100_000; i++)
        {
            double s = Math.ScaleB(1 + random.NextDouble(), -random.Next(0, 120));
            double expected = Math.Log(s);
            double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(DeterministicMath.Log(s) - expected) <= 4 * ulp,
                $"log({s:R}): {DeterministicMath.Log(s):R} vs {expected:R}");
        }
    }

    [Fact]
    public void BadDistributionParameters_AreRefused_NamingParameterAndValue()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RandomDistribution.Uniform(1, 1));
        Assert.Equal("high", e.ParamName);
        Assert.Contains("1", e.Message, StringComparison.Ordinal);
        Assert.Equal("low", Assert.Throws<ArgumentOutOfRangeException>(() => RandomDistribution.Uniform(double.NaN, 1)).ParamName);
        Assert.Equal("high", Assert.Throws<ArgumentOutOfRangeException>(() => RandomDistribution.Uniform(-double.MaxValue, double.MaxValue)).ParamName);
        var n = Assert.Throws<ArgumentOutOfRangeException>(() => RandomDistribution.Normal(0, -0.5));
        Assert.Equal("standardDeviation", n.ParamName);
        Assert.Contains("-0.5", n.Message, StringComparison.Ordinal);
        Assert.Equal("mean", Assert.Throws<ArgumentOutOfRangeException>(() => RandomDistribution.Normal(double.PositiveInfinity, 1)).ParamName);
    }

    [Fact]
    public void Distribution_ReportsItsMoments()
    {
        RandomDistribution u = RandomDistribution.Uniform(0, 6);
        Assert.Equal((3.0, 6 / Math.Sqrt(12), 0.0, 6.0), (u.Mean, u.StandardDeviation, u.Low, u.High));
        Assert.Equal("normal(1, 2)", RandomDistribution.Normal(1, 2).ToString());
    }
}
