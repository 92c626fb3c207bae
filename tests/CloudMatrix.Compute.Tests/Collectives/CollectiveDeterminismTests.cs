using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Topology;
using CsCheck;
using static CloudMatrix.Compute.Tests.Collectives.CollectiveTestData;

namespace CloudMatrix.Compute.Tests.Collectives;

public class CollectiveDeterminismTests
{
    private static readonly CollectiveOperation[] Reducing =
        [CollectiveOperation.AllReduce, CollectiveOperation.ReduceScatter, CollectiveOperation.Reduce];

    private static readonly CollectiveAlgorithm[] Canonical =
        [CollectiveAlgorithm.Direct, CollectiveAlgorithm.OneShot, CollectiveAlgorithm.InSwitch];

    [Theory]
    [InlineData(CollectiveOperation.AllReduce)]
    [InlineData(CollectiveOperation.ReduceScatter)]
    [InlineData(CollectiveOperation.Reduce)]
    public void DeterministicMode_RunsAndTimesAnAlgorithmOfTheCanonicalOrder_AndSaysWhich(CollectiveOperation op)
    {
        CollectiveFabric fabric = Fabric(12, devicesPerNode: 4);
        float[][] inputs = RandomFloats(12, 77, seed: 21);
        var deterministic = new CollectiveOptions { Deterministic = true };
        foreach (CollectiveAlgorithm requested in Collective.SupportedAlgorithms(op).Append(CollectiveAlgorithm.Auto))
        {
            var result = Collective.Run(fabric, op, inputs, requested, deterministic);
            CollectiveAlgorithm ran = result.Timing.Algorithm;
            Assert.Contains(ran, Canonical);
            Assert.Equal(ran, result.ReductionOrder);
            if (requested != CollectiveAlgorithm.Auto)
            {
                // An algorithm of the canonical order runs as asked; any other is replaced by Direct, and the reason says so.
                Assert.Equal(Canonical.Contains(requested) ? requested : CollectiveAlgorithm.Direct, ran);
                if (ran != requested)
                {
                    Assert.Contains(Collective.Name(requested), result.Timing.Reason, StringComparison.Ordinal);
                }
            }

            // What was timed is what ran: the same time as asking for that algorithm outside deterministic mode.
            Assert.Equal(Collective.Estimate(fabric, op, 77, CollectiveDataType.Fp32, ran, null).SimulatedSeconds, result.Timing.SimulatedSeconds);
        }
    }

    /// <summary>
    /// Random cases that differ in operation, group size, node shape, length (uneven parts), element type, root,
    /// partial-sum width, in-place and the algorithm asked for: deterministic mode gives the canonical order written
    /// out independently (FP32 over ranks in group order, one rounding), and every run, deterministic or not, gives
    /// the same bits when repeated.
    /// </summary>
    [Fact]
    public void DeterministicMode_GivesTheIndependentCanonicalBits_AndEveryRunRepeatsBitForBit()
    {
        int deterministicCases = 0, substituted = 0;
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            int perNode = 1 + rng.Next(4), nodes = 1 + rng.Next(6), n = perNode * nodes;
            int length = rng.Next(0, 3 * n + 40);
            CollectiveOperation op = Reducing[rng.Next(Reducing.Length)];
            IReadOnlyList<CollectiveAlgorithm> supported = Collective.SupportedAlgorithms(op);
            CollectiveAlgorithm requested = rng.Next(5) == 0 ? CollectiveAlgorithm.Auto : supported[rng.Next(supported.Count)];
            bool bf16 = rng.Next(2) == 0, deterministic = rng.Next(3) != 0;
            var options = new CollectiveOptions
            {
                Deterministic = deterministic,
                Root = op == CollectiveOperation.Reduce ? rng.Next(n) : null,
                Fp32Partials = rng.Next(2) == 0,
                InPlace = op != CollectiveOperation.ReduceScatter && rng.Next(2) == 0,
            };
            CollectiveFabric fabric = Fabric(n, perNode);
            float[][] values = RandomFloats(n, length, seed);
            BFloat16[][] halves = [.. values.Select(v => v.Select(x => (BFloat16)x).ToArray())];
            float[][] operands = bf16 ? Widen(halves) : values;
            // Inputs are cloned per run, since in-place runs overwrite them.
            Func<int[][]> run = bf16
                ? () => Bits(Collective.Run(fabric, op, [.. halves.Select(h => (BFloat16[])h.Clone())], requested, options))
                : () => Bits(Collective.Run(fabric, op, [.. values.Select(v => (float[])v.Clone())], requested, options));
            int[][] first = run(), second = run();
            for (int r = 0; r < n; r++)
            {
                Assert.Equal(first[r], second[r]);
            }

            if (!deterministic)
            {
                return;
            }

            Interlocked.Increment(ref deterministicCases);
            if (requested != CollectiveAlgorithm.Auto && !Canonical.Contains(requested))
            {
                Interlocked.Increment(ref substituted);
            }

            float[] reference = CanonicalSum(operands, 0, length);
            int rootRank = options.Root ?? 0;
            for (int r = 0; r < n; r++)
            {
                var (off, cnt) = op switch
                {
                    CollectiveOperation.ReduceScatter => Collective.Partition(length, n, r),
                    CollectiveOperation.Reduce => r == rootRank ? (0, length) : (0, 0),
                    _ => (0, length),
                };
                int[] expected = [.. reference.Skip(off).Take(cnt).Select(x => bf16 ? ((BFloat16)x).ToBits() : BitConverter.SingleToInt32Bits(x))];
                if (op == CollectiveOperation.Reduce && r != rootRank && options.InPlace)
                {
                    continue;  // a non-root's in-place buffer is its untouched input
                }

                Assert.Equal(expected, first[r]);
            }
        }, iter: 300, threads: 1);
        // The cases are genuinely different: many deterministic ones, some of them asking for another order.
        Assert.True(deterministicCases > 100 && substituted > 30, $"{deterministicCases} deterministic cases, {substituted} substituted");
    }

    private static int[][] Bits(CollectiveResult<float> result) =>
        [.. result.Outputs.Select(o => o.Select(BitConverter.SingleToInt32Bits).ToArray())];

    private static int[][] Bits(CollectiveResult<BFloat16> result) =>
        [.. result.Outputs.Select(o => o.Select(x => (int)x.ToBits()).ToArray())];

    [Fact]
    public void DeterministicMode_OnASystemWhoseSwitchesReduce_MayRunInSwitch_WithTheCanonicalBits()
    {
        SystemSpec node = Systems.HgxH100();
        BFloat16[][] inputs = RandomBFloat16(8, 1000, seed: 4);
        float[] canonical = CanonicalSum(Widen(inputs), 0, 1000);
        var options = new CollectiveOptions { Deterministic = true };
        var inSwitch = Collective.AllReduce(node, inputs, CollectiveAlgorithm.InSwitch, options);
        Assert.Equal(CollectiveAlgorithm.InSwitch, inSwitch.Timing.Algorithm);
        Assert.All(inSwitch.Outputs, o => Assert.Equal(canonical.Select(x => ((BFloat16)x).ToBits()), o.Select(x => x.ToBits())));
        var auto = Collective.AllReduce(node, inputs, CollectiveAlgorithm.Auto, options);
        Assert.Contains(auto.Timing.Algorithm, Canonical);
        Assert.StartsWith("auto, deterministic:", auto.Timing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutDeterministicMode_RingAndHalvingDoublingDifferInTheLastBits()
    {
        Assert.Equal(CollectiveAlgorithm.Ring,
            Collective.Run(Fabric(4), CollectiveOperation.AllReduce, RandomFloats(4, 16, seed: 3), CollectiveAlgorithm.Ring, null).ReductionOrder);
        // The orders really differ: otherwise deterministic mode would be a no-op and its test could not fail.
        float[][] inputs = RandomFloats(48, 4096, seed: 3);
        var ring = Collective.Run(Fabric(48), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, null);
        var hd = Collective.Run(Fabric(48), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.HalvingDoubling, null);
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
        var wire = Collective.Run(Fabric(3), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, null);
        var fp32 = Collective.Run(Fabric(3), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, new CollectiveOptions { Fp32Partials = true });
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
        var result = Collective.Run(Fabric(3), CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Direct, new CollectiveOptions { InPlace = true });
        Assert.Same(inputs[1], result.Outputs[1]);
        Assert.Equal(expected, inputs[2]);
    }

    private static (int, int) Expected(CollectiveOperation op, int n, int length, int r) => op switch
    {
        CollectiveOperation.ReduceScatter => Collective.Partition(length, n, r),
        CollectiveOperation.Reduce => r == 0 ? (0, length) : (0, 0),
        _ => (0, length),
    };
}
