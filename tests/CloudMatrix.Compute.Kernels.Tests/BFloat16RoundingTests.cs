using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests;

public class BFloat16RoundingTests
{
    private static float FromBits(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    /// <summary>Asserts that the operator's result equals the reference value, sign of zero included.</summary>
    private static void AssertMatchesReference(double input, BFloat16 actual)
    {
        if (double.IsNaN(input))
        {
            Assert.True(BFloat16.IsNaN(actual), $"NaN input {input} gave non-NaN 0x{actual.ToBits():X4}");
            Assert.Equal(double.IsNegative(input), BFloat16.IsNegative(actual));
            Assert.NotEqual(0, actual.ToBits() & 0x0040); // quiet
            return;
        }

        double expected = Bf16Reference.Round(input);
        double got = (float)actual;
        Assert.True(
            expected.Equals(got) && double.IsNegative(expected) == double.IsNegative(got),
            $"input {input:R} (0x{BitConverter.DoubleToUInt64Bits(input):X16}): expected {expected:R}, got {got:R} (0x{actual.ToBits():X4})");
    }

    [Fact]
    public void EveryBitPattern_WidensExactly_AndNarrowsBackToItself()
    {
        for (int b = 0; b <= ushort.MaxValue; b++)
        {
            ushort bits = (ushort)b;
            float widened = BFloat16.FromBits(bits);
            // Exact widening: the bfloat16 is the upper half of the binary32.
            Assert.Equal((uint)bits << 16, BitConverter.SingleToUInt32Bits(widened));
            BFloat16 back = (BFloat16)widened;
            if (float.IsNaN(widened))
            {
                // A NaN stays a NaN of the same sign with its payload, quietened.
                Assert.True(BFloat16.IsNaN(back));
                Assert.Equal(bits | 0x0040, back.ToBits());
            }
            else
            {
                Assert.Equal(bits, back.ToBits());
            }

            // Through double too: the double operator rounds once and keeps NaN payloads the same way.
            Assert.Equal(back.ToBits(), ((BFloat16)(double)widened).ToBits());
        }
    }

    public static TheoryData<uint> FloatEdgeCases => new()
    {
        0x0000_0000, 0x8000_0000,                       // +0, -0
        0x0000_0001, 0x8000_0001,                       // smallest float subnormal: rounds to zero, sign kept
        0x0000_7FFF, 0x0000_8000, 0x0000_8001,          // below, at, above half the smallest bf16 subnormal
        0x0001_8000, 0x0002_8000,                       // subnormal ties: odd rounds up, even stays
        0x007F_7FFF, 0x007F_8000, 0x007F_FFFF,          // largest subnormals: tie and carry into the smallest normal
        0x0080_0000, 0x3F80_0000, 0xBF80_0000,          // smallest normal, +1, -1
        0x3F80_8000, 0x3F81_8000, 0x3F80_8001, 0x3F80_7FFF, // ties to even (down, up), just above, just below
        0x3FFF_8000, 0x3FFF_FFFF,                       // carry that bumps the exponent
        0x7F7F_7FFF, 0x7F7F_8000, 0x7F7F_FFFF,          // near MaxValue: stays, ties to infinity (odd), overflows
        0xFF7F_7FFF, 0xFF7F_8000,                       // the same, negative
        0x7F80_0000, 0xFF80_0000,                       // infinities
        0x7FC0_0000, 0xFFC0_0000,                       // quiet NaNs
        0x7F80_0001, 0xFF80_0001, 0x7FA0_0000, 0x7F81_2345, // signalling NaNs (payload in dropped bits only, or kept)
        0x7FFF_FFFF, 0xFFFF_FFFF,
    };

    [Theory]
    [MemberData(nameof(FloatEdgeCases))]
    public void FloatToBFloat16_EdgeCases_MatchIeeeReference(uint singleBits)
    {
        float x = FromBits(singleBits);
        AssertMatchesReference(x, (BFloat16)x);
        if (float.IsNaN(x))
        {
            // The top payload bits are kept and the quiet bit is set.
            Assert.Equal((ushort)((singleBits >> 16) | 0x0040), ((BFloat16)x).ToBits());
        }
    }

    [Fact]
    public void FloatToBFloat16_MillionsOfRandomFloatsAcrossAllExponents_MatchIeeeReference()
    {
        var random = new Random(20250601);
        Span<byte> buffer = stackalloc byte[4];
        for (int i = 0; i < 1_200_000; i++)
        {
            random.NextBytes(buffer);
            uint bits = BitConverter.ToUInt32(buffer);
            // Every fourth sample is pushed onto or next to a tie, where rounding mistakes hide.
            if ((i & 3) == 0)
            {
                bits = (bits & 0xFFFF_0000u) | (uint)(0x7FFF + random.Next(3));
            }

            float x = FromBits(bits);
            AssertMatchesReference(x, (BFloat16)x);
        }
    }

    public static TheoryData<double> DoubleEdgeCases => new()
    {
        0.0, -0.0, 1.0, -1.0,
        1 + Math.ScaleB(1, -8),                          // exact tie: stays at even 1.0
        1 + Math.ScaleB(1, -8) + Math.ScaleB(1, -40),    // just above the tie: (float) would round onto the tie
        1 + Math.ScaleB(1, -8) - Math.ScaleB(1, -40),    // just below the tie
        1 + (3 * Math.ScaleB(1, -8)) - Math.ScaleB(1, -45),
        Math.ScaleB(1, -134),                            // half the smallest subnormal: tie to zero
        Math.ScaleB(1, -134) + Math.ScaleB(1, -170),      // just above: rounds to Epsilon
        -Math.ScaleB(1, -200), Math.ScaleB(1, -1074),    // far below: signed zero
        Bf16Reference.MaxFinite,
        Bf16Reference.MaxFinite + Math.ScaleB(1, 119),   // tie above MaxValue (odd): infinity
        Bf16Reference.MaxFinite + Math.ScaleB(1, 119) - Math.ScaleB(1, 80), // just below that tie: MaxValue
        3.5e38, 1e300, -1e300, double.MaxValue,
        double.PositiveInfinity, double.NegativeInfinity, double.NaN, -double.NaN,
        0.1, 1.0 / 3.0, Math.PI, -Math.E,
    };

    [Theory]
    [MemberData(nameof(DoubleEdgeCases))]
    public void DoubleToBFloat16_EdgeCases_AreRoundedOnce(double x) => AssertMatchesReference(x, (BFloat16)x);

    [Fact]
    public void DoubleToBFloat16_RandomDoubles_AreRoundedOnce()
    {
        var random = new Random(77);
        for (int i = 0; i < 300_000; i++)
        {
            // Exponents from below the subnormal range to past overflow; a random 52-bit significand, and every
            // other sample placed on or next to a bfloat16 tie so that double rounding would show.
            long exponent = random.Next(-150, 130) + 1023;
            ulong significand = (ulong)random.NextInt64(1L << 52);
            if ((i & 1) == 0)
            {
                significand = (ulong)((long)(significand & ~((1UL << 45) - 1)) + (1L << 44) + random.Next(-2, 3));
            }

            ulong bits = ((ulong)random.Next(2) << 63) | ((ulong)exponent << 52) | significand;
            double x = BitConverter.UInt64BitsToDouble(bits);
            AssertMatchesReference(x, (BFloat16)x);
        }
    }

    [Fact]
    public void DoubleToBFloat16_NaN_KeepsSignAndTopPayload()
    {
        double nan = BitConverter.UInt64BitsToDouble(0xFFF5_4000_0000_0001UL); // negative signalling NaN
        BFloat16 narrowed = (BFloat16)nan;
        Assert.True(BFloat16.IsNaN(narrowed));
        Assert.True(BFloat16.IsNegative(narrowed));
        Assert.Equal(0xFFEA, narrowed.ToBits()); // top 7 payload bits 0b1010100 kept, quiet bit set
    }

    [Fact]
    public void Constants_HaveTheirIeeeValues()
    {
        Assert.Equal(Math.ScaleB(1, -133), (double)BFloat16.Epsilon);
        Assert.Equal(Bf16Reference.MaxFinite, (double)BFloat16.MaxValue);
        Assert.Equal(-Bf16Reference.MaxFinite, (double)BFloat16.MinValue);
        Assert.Equal(Math.ScaleB(1, -126), (double)BFloat16.MinNormal);
        Assert.True(double.IsNaN(BFloat16.NaN));
        Assert.Equal(double.PositiveInfinity, (double)BFloat16.PositiveInfinity);
        Assert.Equal(double.NegativeInfinity, (double)BFloat16.NegativeInfinity);
        Assert.True(double.IsNegative(BFloat16.NegativeZero) && (double)BFloat16.NegativeZero == 0);
        Assert.Equal(1.0, (double)BFloat16.One);
        Assert.Equal(BFloat16.NaN.ToBits(), ((BFloat16)float.NaN).ToBits());
        Assert.True(BFloat16.IsSubnormal(BFloat16.Epsilon) && BFloat16.IsNormal(BFloat16.MinNormal));
        Assert.True(BFloat16.IsFinite(BFloat16.MaxValue) && !BFloat16.IsFinite(BFloat16.PositiveInfinity));
    }

    [Fact]
    public void Arithmetic_IsExactMathRoundedOnce()
    {
        var random = new Random(5);
        for (int i = 0; i < 20_000; i++)
        {
            var a = BFloat16.FromBits((ushort)random.Next(0x3000, 0x4F00));
            var b = BFloat16.FromBits((ushort)(random.Next(0x3000, 0x4F00) | (random.Next(2) << 15)));
            // Sums and products of two bfloat16 in this range are exact in double, so the reference rounds once.
            AssertMatchesReference((double)a + b, a + b);
            AssertMatchesReference((double)a - b, a - b);
            AssertMatchesReference((double)a * b, a * b);
        }
    }
}
