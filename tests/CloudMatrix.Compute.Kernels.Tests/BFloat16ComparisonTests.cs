using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests;

public class BFloat16ComparisonTests
{
    // Independent ordering: sign-magnitude bits mapped onto a signed line (both zeros to 0).
    private static int OrderKey(ushort bits) => (bits & 0x8000) != 0 ? -(bits & 0x7FFF) : bits;

    private static bool IsNaNBits(ushort bits) => (bits & 0x7FFF) > 0x7F80;

    [Fact]
    public void Operators_FollowIeeeOrder_OnSampledPairs()
    {
        var random = new Random(11);
        for (int i = 0; i < 200_000; i++)
        {
            ushort x = (ushort)random.Next(65_536), y = (ushort)((i & 7) == 0 ? x ^ (random.Next(2) << 15) : random.Next(65_536));
            BFloat16 a = BFloat16.FromBits(x), b = BFloat16.FromBits(y);
            bool unordered = IsNaNBits(x) || IsNaNBits(y);
            int kx = OrderKey(x), ky = OrderKey(y);
            Assert.Equal(!unordered && kx < ky, a < b);
            Assert.Equal(!unordered && kx > ky, a > b);
            Assert.Equal(!unordered && kx <= ky, a <= b);
            Assert.Equal(!unordered && kx >= ky, a >= b);
            Assert.Equal(!unordered && kx == ky, a == b);
            Assert.Equal(unordered || kx != ky, a != b);
        }
    }

    [Fact]
    public void NaN_IsUnorderedAndUnequal_ButEqualsItselfForDotNet()
    {
        BFloat16 nan = BFloat16.NaN, sameNaN = BFloat16.NaN, one = BFloat16.One;
        Assert.False(nan == sameNaN);
        Assert.True(nan != sameNaN);
        Assert.False(nan < one || nan > one || nan <= one || nan >= one || nan == one);
        Assert.True(nan.Equals(nan));
        Assert.True(nan.Equals(BFloat16.FromBits(0x7F81)));
        Assert.True(nan.CompareTo(BFloat16.NegativeInfinity) < 0);
        Assert.Equal(nan.GetHashCode(), BFloat16.FromBits(0x7FC5).GetHashCode());
    }

    [Fact]
    public void Zeros_AreEqual_InEverySense()
    {
        BFloat16 plus = BFloat16.Zero, minus = BFloat16.NegativeZero;
        Assert.True(plus == minus);
        Assert.False(plus < minus || minus < plus);
        Assert.True(plus.Equals(minus));
        Assert.Equal(0, plus.CompareTo(minus));
        Assert.Equal(plus.GetHashCode(), minus.GetHashCode());
        Assert.NotEqual(plus.ToBits(), minus.ToBits());
    }

    [Fact]
    public void Sort_PutsNaNFirst_ThenIeeeOrder()
    {
        var random = new Random(2);
        BFloat16[] values = Enumerable.Range(0, 5000).Select(_ => BFloat16.FromBits((ushort)random.Next(65_536))).ToArray();
        Array.Sort(values);
        int firstNumber = Array.FindIndex(values, v => !BFloat16.IsNaN(v));
        Assert.All(values.Take(firstNumber), v => Assert.True(BFloat16.IsNaN(v)));
        for (int i = firstNumber + 1; i < values.Length; i++)
        {
            Assert.True(OrderKey(values[i - 1].ToBits()) <= OrderKey(values[i].ToBits()));
        }
    }

    [Fact]
    public void CompareToObject_RejectsOtherTypes_NamingTheParameter()
    {
        Assert.Equal(1, BFloat16.One.CompareTo(null));
        var e = Assert.Throws<ArgumentException>(() => BFloat16.One.CompareTo(1.0f));
        Assert.Equal("obj", e.ParamName);
    }
}
