using System.Globalization;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests;

public class BFloat16FormattingTests
{
    [Fact]
    public void ToString_ThenParse_RoundTripsEveryBitPattern()
    {
        var comma = new NumberFormatInfo { NumberDecimalSeparator = ",", NumberGroupSeparator = "." };
        for (int b = 0; b <= ushort.MaxValue; b++)
        {
            BFloat16 value = BFloat16.FromBits((ushort)b);
            BFloat16 back = BFloat16.Parse(value.ToString(), CultureInfo.InvariantCulture);
            BFloat16 backComma = BFloat16.Parse(value.ToString(null, comma), comma);
            if (BFloat16.IsNaN(value))
            {
                Assert.True(BFloat16.IsNaN(back) && BFloat16.IsNaN(backComma));
            }
            else
            {
                Assert.Equal(value.ToBits(), back.ToBits());
                Assert.Equal(value.ToBits(), backComma.ToBits());
            }
        }
    }

    [Theory]
    [InlineData(0.1f, "0.1")]
    [InlineData(1.0f, "1")]
    [InlineData(-2.5f, "-2.5")]
    [InlineData(3.14159f, "3.14")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void ToString_IsShortestRoundTrip(float input, string expected) =>
        Assert.Equal(expected, ((BFloat16)input).ToString());

    [Fact]
    public void ToString_WithFormat_FormatsTheWidenedValue() =>
        Assert.Equal(1.0078125f.ToString("F3", CultureInfo.InvariantCulture),
            ((BFloat16)1.0078125f).ToString("F3", CultureInfo.InvariantCulture));

    [Fact]
    public void Parse_RoundsTheDecimalOnce()
    {
        // 1.00390625 = 1 + 2^-8 is a tie between 1 and 1 + 2^-7: ties to even gives 1.
        Assert.Equal(1.0f, (float)BFloat16.Parse("1.00390625", CultureInfo.InvariantCulture));
        // A hair above the tie must round up; parsing to float first would land on the tie and round down.
        Assert.Equal(1.0078125f, (float)BFloat16.Parse("1.0039062500001", CultureInfo.InvariantCulture));
        Assert.True(BFloat16.IsNegative(BFloat16.Parse("-0", CultureInfo.InvariantCulture)));
        Assert.True(BFloat16.IsPositiveInfinity(BFloat16.Parse("1e39", CultureInfo.InvariantCulture)));
        Assert.True(BFloat16.IsNaN(BFloat16.Parse("NaN", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Parse_BadText_Throws_AndTryParseSaysNo()
    {
        Assert.Throws<FormatException>(() => BFloat16.Parse("one", CultureInfo.InvariantCulture));
        Assert.Throws<ArgumentNullException>(() => BFloat16.Parse(null!, CultureInfo.InvariantCulture));
        Assert.False(BFloat16.TryParse((string?)null, CultureInfo.InvariantCulture, out BFloat16 none));
        Assert.Equal(0, none.ToBits());
        Assert.False(BFloat16.TryParse("1.2.3", CultureInfo.InvariantCulture, out _));
    }

    [Fact]
    public void Parse_WithNumberStyles_FollowsTheStyle()
    {
        Assert.Equal(1.5f, (float)BFloat16.Parse("(1.5)", NumberStyles.Float | NumberStyles.AllowParentheses, CultureInfo.InvariantCulture) * -1);
        Assert.Throws<FormatException>(() => BFloat16.Parse("1e3", NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
        Assert.True(BFloat16.TryParse(" 2.5 ".AsSpan(), NumberStyles.Float, CultureInfo.InvariantCulture, out BFloat16 v));
        Assert.Equal(2.5f, (float)v);
        Assert.Throws<ArgumentException>(() => BFloat16.Parse("1", NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TryFormat_ReportsShortDestination()
    {
        BFloat16 value = (BFloat16)(-1.5f);
        Assert.False(value.TryFormat(new char[3], out int none, default, CultureInfo.InvariantCulture));
        Assert.Equal(0, none);
        var buffer = new char[8];
        Assert.True(value.TryFormat(buffer, out int written, default, CultureInfo.InvariantCulture));
        Assert.Equal("-1.5", new string(buffer, 0, written));
        Assert.Equal("-1.5", $"{value}".Replace(CultureInfo.CurrentCulture.NumberFormat.NumberDecimalSeparator, ".", StringComparison.Ordinal));
    }
}
