using System.Runtime.InteropServices;
using CloudMatrix.Compute.Numerics;

namespace CloudMatrix.Compute.Kernels.Tests;

public class BFloat16ConvertTests
{
    // Every vector width (0 = scalar only), each with ordinary and with non-temporal stores.
    public static TheoryData<int, bool> Widths => new()
    {
        { 0, false }, { 128, false }, { 256, false }, { 512, false },
        { 0, true }, { 128, true }, { 256, true }, { 512, true },
    };

    private static readonly int[] OddLengths = [1, 3, 7, 9, 15, 17, 31, 33, 47, 63, 65, 95, 127, 129, 1001, 4099];

    private static float[] RandomFloats(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            uint bits = (uint)random.NextInt64(1L << 32);
            // A share of ties and NaNs, where a vector path would most likely diverge from the scalar one.
            bits = (i % 5) switch
            {
                1 => (bits & 0xFFFF_0000u) | 0x8000u,
                2 => (bits & 0x8000_FFFFu) | 0x7F80_0000u, // infinity or NaN
                _ => bits,
            };
            values[i] = BitConverter.UInt32BitsToSingle(bits);
        }

        return values;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ToBFloat16Bits_EachWidth_OddLengths_IsBitIdenticalToScalar(int width, bool nonTemporal)
    {
        var random = new Random(width + (nonTemporal ? 7 : 1));
        foreach (int length in OddLengths)
        {
            // Start one element in, so the vector loads are not aligned to the array start either.
            float[] source = RandomFloats(random, length + 1);
            var destination = new ushort[length + 1];
            BFloat16Convert.ToBFloat16Bits(source.AsSpan(1), destination.AsSpan(1), (SimdWidth)width, nonTemporal);
            Assert.Equal(0, destination[0]);
            for (int i = 1; i <= length; i++)
            {
                Assert.Equal(((BFloat16)source[i]).ToBits(), destination[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ToSingle_EachWidth_EveryBitPattern_IsExact(int width, bool nonTemporal)
    {
        // All 65,536 patterns plus an odd tail, so both the vector body and the scalar tail see every kind.
        // Offsets 0 to 3 move the destination's alignment, so the non-temporal head is exercised too.
        ushort[] source = Enumerable.Range(0, 65_536 + 13).Select(i => (ushort)(i * 40503)).ToArray();
        for (int offset = 0; offset < 4; offset++)
        {
            var destination = new float[source.Length + offset];
            BFloat16Convert.ToSingle(source, destination.AsSpan(offset), (SimdWidth)width, nonTemporal);
            for (int i = 0; i < source.Length; i++)
            {
                Assert.Equal((uint)source[i] << 16, BitConverter.SingleToUInt32Bits(destination[offset + i]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void RoundTrip_EachWidth_EveryBitPattern_ComesBack(int width, bool nonTemporal)
    {
        ushort[] patterns = Enumerable.Range(0, 65_536).Select(i => (ushort)i).ToArray();
        var widened = new float[patterns.Length];
        var back = new ushort[patterns.Length];
        BFloat16Convert.ToSingle(patterns, widened, (SimdWidth)width, nonTemporal);
        BFloat16Convert.ToBFloat16Bits(widened, back, (SimdWidth)width, nonTemporal);
        for (int i = 0; i < patterns.Length; i++)
        {
            bool isNaN = BFloat16.IsNaN(BFloat16.FromBits(patterns[i]));
            Assert.Equal(isNaN ? patterns[i] | 0x0040 : patterns[i], back[i]);
        }
    }

    [Fact]
    public void PublicSpanApi_AboveTheNonTemporalThreshold_MatchesScalarOperators()
    {
        int length = (BFloat16Convert.NonTemporalThresholdBytes / sizeof(ushort)) + 37;
        float[] source = RandomFloats(new Random(8), length);
        var narrowed = new BFloat16[length];
        BFloat16Convert.ToBFloat16(source, narrowed);
        var widened = new float[length];
        BFloat16Convert.ToSingle(narrowed, widened);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(((BFloat16)source[i]).ToBits(), narrowed[i].ToBits());
            Assert.Equal((uint)narrowed[i].ToBits() << 16, BitConverter.SingleToUInt32Bits(widened[i]));
        }
    }

    [Fact]
    public void PublicSpanApi_MatchesScalarOperators()
    {
        float[] source = RandomFloats(new Random(3), 1027);
        var narrowed = new BFloat16[source.Length];
        BFloat16Convert.ToBFloat16(source, narrowed);
        var widened = new float[source.Length];
        BFloat16Convert.ToSingle(narrowed, widened);
        for (int i = 0; i < source.Length; i++)
        {
            Assert.Equal(((BFloat16)source[i]).ToBits(), narrowed[i].ToBits());
            Assert.Equal((float)narrowed[i], widened[i]);
        }

        Assert.Equal(MemoryMarshal.Cast<BFloat16, ushort>(narrowed).ToArray(),
            narrowed.Select(b => b.ToBits()).ToArray());
    }

    [Fact]
    public void EmptySpans_AreFine()
    {
        BFloat16Convert.ToBFloat16(ReadOnlySpan<float>.Empty, Span<BFloat16>.Empty);
        BFloat16Convert.ToSingle(ReadOnlySpan<BFloat16>.Empty, Span<float>.Empty);
    }

    [Fact]
    public void MismatchedLengths_ThrowNamingDestinationAndBothLengths()
    {
        var e1 = Assert.Throws<ArgumentException>(() => BFloat16Convert.ToBFloat16(new float[5], new BFloat16[4]));
        Assert.Equal("destination", e1.ParamName);
        Assert.Contains("4", e1.Message, StringComparison.Ordinal);
        Assert.Contains("5", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentException>(() => BFloat16Convert.ToSingle(new BFloat16[3], new float[6]));
        Assert.Equal("destination", e2.ParamName);
        Assert.Contains("6", e2.Message, StringComparison.Ordinal);
    }
}
