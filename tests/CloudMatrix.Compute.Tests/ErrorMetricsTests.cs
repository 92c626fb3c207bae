using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Tensors;

namespace CloudMatrix.Compute.Tests;

public class ErrorMetricsTests
{
    [Fact]
    public void HandWorkedCase()
    {
        // Errors 0, 0.5 and 0.5: the first 0.5 (index 1) is reported; relative 0.5/2.5 = 0.2 beats 0.5/3.
        // bfloat16 spacing in [2, 4) is 2^-6, so 2 vs 2.5 and 3.5 vs 3 are both 0.5 / 2^-6 = 32 ulps apart.
        ErrorReport r = ErrorMetrics.Compare<float>([1f, 2f, 3.5f], [1.0, 2.5, 3.0]);
        Assert.Equal(3, r.Count);
        Assert.Equal(0.5, r.MaxAbsoluteError);
        Assert.Equal(1, r.IndexOfMaxAbsoluteError);
        Assert.Equal(0.2, r.MaxRelativeError, 15);
        Assert.Equal(32, r.MaxBFloat16UlpDistance);
        Assert.Equal(0, r.NaNMismatchCount);
    }

    [Fact]
    public void ExactResult_HasZeroError()
    {
        DenseTensor<BFloat16> b = DenseTensor.Random<BFloat16>([30, 40], seed: 1);
        ErrorReport r = ErrorMetrics.Compare(b, b.ConvertTo<double>());
        Assert.Equal((0.0, 0.0, 0), (r.MaxAbsoluteError, r.MaxRelativeError, r.MaxBFloat16UlpDistance));
    }

    [Fact]
    public void RoundingToBFloat16_IsWithinHalfAnUlp()
    {
        DenseTensor<double> d = DenseTensor.Random<double>([10_000], seed: 2, RandomDistribution.Uniform(1, 2));
        ErrorReport r = ErrorMetrics.Compare(d.ConvertTo<BFloat16>(), d);
        // In [1, 2] a bfloat16 ulp is 2^-7: round to nearest is off by at most 2^-8 absolute, 2^-8 relative.
        Assert.InRange(r.MaxAbsoluteError, 0.9 * Math.ScaleB(1, -8), Math.ScaleB(1, -8));
        Assert.InRange(r.MaxRelativeError, 0, Math.ScaleB(1, -8));
        Assert.Equal(0, r.MaxBFloat16UlpDistance); // both round to the same bfloat16
    }

    [Fact]
    public void SpecialValues_FollowTheDocumentedRules()
    {
        ErrorReport both = ErrorMetrics.Compare<double>([double.NaN, double.PositiveInfinity, 0.0], [double.NaN, double.PositiveInfinity, -0.0]);
        Assert.Equal((0.0, 0.0, 0, 0), (both.MaxAbsoluteError, both.MaxRelativeError, both.MaxBFloat16UlpDistance, both.NaNMismatchCount));

        ErrorReport oneNaN = ErrorMetrics.Compare<double>([1.0, double.NaN], [1.0, 2.0]);
        Assert.Equal(1, oneNaN.NaNMismatchCount);
        Assert.Equal(1, oneNaN.IndexOfMaxAbsoluteError);
        Assert.True(double.IsPositiveInfinity(oneNaN.MaxAbsoluteError));
        Assert.Equal(int.MaxValue, oneNaN.MaxBFloat16UlpDistance);

        ErrorReport zeroRef = ErrorMetrics.Compare<double>([1e-3], [0.0]);
        Assert.True(double.IsPositiveInfinity(zeroRef.MaxRelativeError));
        Assert.Equal(1e-3, zeroRef.MaxAbsoluteError);

        ErrorReport empty = ErrorMetrics.Compare<float>([], []);
        Assert.Equal((0, -1), (empty.Count, empty.IndexOfMaxAbsoluteError));
    }

    [Fact]
    public void UlpDistance_CountsStepsOnTheOrderedLine()
    {
        Assert.Equal(0, ErrorMetrics.UlpDistance(BFloat16.Zero, BFloat16.NegativeZero));
        Assert.Equal(2, ErrorMetrics.UlpDistance(BFloat16.Epsilon, -BFloat16.Epsilon));
        Assert.Equal(1, ErrorMetrics.UlpDistance(BFloat16.MaxValue, BFloat16.PositiveInfinity));
        Assert.Equal(1, ErrorMetrics.UlpDistance(BFloat16.MinNormal, BFloat16.FromBits(0x007F)));
        Assert.Equal(0, ErrorMetrics.UlpDistance(BFloat16.NaN, BFloat16.FromBits(0x7F81)));
        Assert.Equal(int.MaxValue, ErrorMetrics.UlpDistance(BFloat16.NaN, BFloat16.One));
    }

    [Fact]
    public void UlpDistance_WithinABinade_IsTheDifferenceOverTheSpacing()
    {
        var random = new Random(4);
        for (int i = 0; i < 20_000; i++)
        {
            int exponentBits = random.Next(1, 255) << 7, sign = random.Next(2) << 15;
            var a = BFloat16.FromBits((ushort)(sign | exponentBits | random.Next(128)));
            var b = BFloat16.FromBits((ushort)(sign | exponentBits | random.Next(128)));
            double spacing = Math.ScaleB(1, (exponentBits >> 7) - 127 - 7);
            Assert.Equal(Math.Abs((double)a - b) / spacing, ErrorMetrics.UlpDistance(a, b));
        }

        // Across zero: from -k ulps to +j ulps (subnormals) is k + j steps.
        Assert.Equal(5 + 9, ErrorMetrics.UlpDistance(BFloat16.FromBits(0x8005), BFloat16.FromBits(0x0009)));
    }

    [Fact]
    public void MatrixViews_CompareTheBlockOnly()
    {
        DenseTensor<double> reference = DenseTensor.Random<double>([8, 8], seed: 3);
        DenseTensor<float> actual = reference.ConvertTo<float>();
        actual[6, 6] += 1; // outside the compared block
        actual[2, 3] += 0.25f;
        ErrorReport r = ErrorMetrics.Compare(actual.AsMatrix().Tile(1, 1, 4, 4), reference.AsMatrix().Tile(1, 1, 4, 4));
        Assert.Equal(16, r.Count);
        Assert.Equal((1 * 4) + 2, r.IndexOfMaxAbsoluteError);
        Assert.Equal(0.25, r.MaxAbsoluteError, 6);
    }

    [Fact]
    public void MismatchedShapes_AreRefused_NamingReference()
    {
        var e = Assert.Throws<ArgumentException>(() => ErrorMetrics.Compare<float>(new float[3], new double[4]));
        Assert.Equal("reference", e.ParamName);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentException>(() => ErrorMetrics.Compare(new DenseTensor<float>(2, 3), new DenseTensor<double>(3, 2)));
        Assert.Equal("reference", e2.ParamName);
        Assert.Contains("[3, 2]", e2.Message, StringComparison.Ordinal);
        var e3 = Assert.Throws<ArgumentException>(() =>
            ErrorMetrics.Compare(new DenseTensor<float>(4, 4).AsMatrix(), new DenseTensor<double>(4, 4).AsMatrix().Tile(0, 0, 2, 4)));
        Assert.Equal("reference", e3.ParamName);
    }
}
