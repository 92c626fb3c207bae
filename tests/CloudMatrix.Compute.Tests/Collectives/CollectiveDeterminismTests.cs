using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using static CloudMatrix.Compute.Tests.Collectives.CollectiveTestData;

namespace CloudMatrix.Compute.Tests.Collectives;

using Collectives = CloudMatrix.Compute.Collectives.Collectives;

public class CollectiveDeterminismTests
{
    [Theory]
    [InlineData(CollectiveOperation.AllReduce, 7)]
    [InlineData(CollectiveOperation.AllReduce, 48)]
    [InlineData(CollectiveOperation.ReduceScatter, 8)]
    [InlineData(CollectiveOperation.Reduce, 3)]
    public void DeterministicMode_Fp32_EveryAlgorithmGivesTheCanonicalBits(CollectiveOperation op, int n)
    {
        int length = 301;
        float[][] inputs = RandomFloats(n, length, seed: 5);
        float[] canonical = CanonicalSum(inputs, 0, length);
        foreach (CollectiveAlgorithm algorithm in Collectives.SupportedAlgorithms(op))
        {
            var result = Collectives.Run(Fabric(n, devicesPerNode: n % 2 == 0 ? 2 : 1), op, inputs, algorithm, new CollectiveOptions { Deterministic = true });
            // The result says whose order the data followed (the canonical one) and which algorithm was timed.
            Assert.Equal(CollectiveAlgorithm.Direct, result.ReductionOrder);
            Assert.Equal(algorithm, result.Timing.Algorithm);
            for (int r = 0; r < n; r++)
            {
                var (off, cnt) = Expected(op, n, length, r);
                Assert.Equal(canonical.Skip(off).Take(cnt).Select(BitConverter.SingleToInt32Bits), result.Outputs[r].Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Theory]
    [InlineData(CollectiveOperation.AllReduce, 8)]
    [InlineData(CollectiveOperation.ReduceScatter, 7)]
    public void DeterministicMode_Bf16_EveryAlgorithmGivesTheCanonicalBitsRoundedOnce(CollectiveOperation op, int n)
    {
        int length = 123;
        BFloat16[][] inputs = RandomBFloat16(n, length, seed: 9);
        float[] canonical = CanonicalSum(Widen(inputs), 0, length);
        foreach (CollectiveAlgorithm algorithm in Collectives.SupportedAlgorithms(op))
        {
            var result = Collectives.Run(Fabric(n, devicesPerNode: 2), op, inputs, algorithm, new CollectiveOptions { Deterministic = true });
            for (int r = 0; r < n; r++)
            {
                var (off, cnt) = Expected(op, n, length, r);
                Assert.Equal(canonical.Skip(off).Take(cnt).Select(x => ((BFloat16)x).ToBits()), result.Outputs[r].Select(x => x.ToBits()));
            }
        }
    }

    [Fact]
    public void WithoutDeterministicMode_RingAndHalvingDoublingDifferInTheLastBits()
    {
        Assert.Equal(CollectiveAlgorithm.Ring,
            Collectives.Run(Fabric(4), CollectiveOperation.AllReduce, RandomFloats(4, 16, seed: 3), CollectiveAlgorithm.Ring, null).ReductionOrder);
        // The orders really differ: otherwise deterministic mode would be a no-op and its test could not fail.
        float[][] inputs = RandomFloats(48, 4096, seed: 3);
        var ring = Collectives.Run(Fabric(48), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, null);
        var hd = Collectives.Run(Fabric(48), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.HalvingDoubling, null);
        Assert.NotEqual(ring.Outputs[0], hd.Outputs[0]);
    }

    [Fact]
    public void Bf16Wire_RoundsThePartialAtEachHop_Fp32PartialsDoNot()
    {
        // Ring on 3 ranks, 3 elements: part 2 is reduced in the order rank 0, 1, 2. With x = (1, 2^-8, 2^-8):
        // BF16 wire: 1 + 2^-8 is a tie and rounds to even, 1.0; + 2^-8 = 1 + 2^-8 rounds to 1.0 on output.
        // FP32 partials: 1 + 2^-8 + 2^-8 = 1 + 2^-7, exactly representable in BF16.
        float tiny = MathF.Pow(2, -8);
        BFloat16[][] inputs =
        [
            [BFloat16.Zero, BFloat16.Zero, (BFloat16)1f],
            [BFloat16.Zero, BFloat16.Zero, (BFloat16)tiny],
            [BFloat16.Zero, BFloat16.Zero, (BFloat16)tiny],
        ];
        var wire = Collectives.Run(Fabric(3), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, null);
        var fp32 = Collectives.Run(Fabric(3), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, new CollectiveOptions { Fp32Partials = true });
        Assert.All(wire.Outputs, o => Assert.Equal(1f, (float)o[2]));
        Assert.All(fp32.Outputs, o => Assert.Equal(1f + (2 * tiny), (float)o[2]));
    }

    [Theory]
    [InlineData(false, false, 7, 1000)]
    [InlineData(false, false, 384, 1031)]
    [InlineData(true, false, 48, 517)]
    [InlineData(true, true, 5, 333)]
    public void FusedRingKernel_IsBitIdenticalToTheLiteralRingSchedule(bool bf16, bool fp32Partials, int n, int length)
    {
        float[][] inputs = bf16 ? Widen(RandomBFloat16(n, length, seed: 11)) : RandomFloats(n, length, seed: 11);
        bool roundWire = bf16 && !fp32Partials;
        var schedule = ScheduleFactory.Create(CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, length, 0, 1, new int[n]);
        float[][] literal = ScheduleExecutor.Run(schedule, inputs, roundWire, TensorPrimitivesHostReducer.Instance);
        float[][] fused = [.. Enumerable.Range(0, n).Select(_ => new float[length])];
        RingAllReduceKernel.Run(inputs, fused, roundWire, TensorPrimitivesHostReducer.Instance);
        for (int r = 0; r < n; r++)
        {
            // The literal schedule keeps the owner's FP32 value and BF16 copies elsewhere; outputs are rounded once.
            float[] expected = roundWire ? [.. literal[r].Select(x => (float)(BFloat16)x)] : literal[r];
            float[] actual = roundWire ? [.. fused[r].Select(x => (float)(BFloat16)x)] : fused[r];
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void InPlace_WritesIntoTheInputs_OutOfPlaceLeavesThemAlone()
    {
        float[][] inputs = RandomFloats(3, 10, seed: 1);
        float[] expected = CanonicalSum(inputs, 0, 10);
        var result = Collectives.Run(Fabric(3), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Direct, new CollectiveOptions { InPlace = true });
        Assert.Same(inputs[1], result.Outputs[1]);
        Assert.Equal(expected, inputs[2]);
    }

    private static (int, int) Expected(CollectiveOperation op, int n, int length, int r) => op switch
    {
        CollectiveOperation.ReduceScatter => Collectives.Partition(length, n, r),
        CollectiveOperation.Reduce => r == 0 ? (0, length) : (0, 0),
        _ => (0, length),
    };
}
