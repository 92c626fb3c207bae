using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Timing;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Sharding;

/// <summary>
/// On an ideal single switch (one port of B per device each way, α = 2 hops of 1 us, free reductions) each strategy's
/// simulated time equals its closed form to 1e-6 relative: compute from the roofline, words moved and latency terms
/// from the α-β model, overlap from the DAG.
/// </summary>
public class EstimateClosedFormTests
{
    private const double B = ShardingTestData.Bandwidth;
    private const double Alpha = 2 * ShardingTestData.HopLatency;

    private static void Near(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * expected, $"{what}: simulated {actual:R} s, closed form {expected:R} s");

    // HBM so fast that reductions and local copies cost nothing at the 1e-6 level.
    private static SystemSpec Ideal(int devices, double flops) => ShardingTestData.IdealSystem(devices, flops, hbm: 1e30);

    [Fact]
    public void RowParallel_IsGemmThenRingAllReduce()
    {
        const int p = 8, m = 512, n = 512, k = 1024;
        var mesh = DeviceMesh.Create(Ideal(p, 1e14), [("tp", p)]);
        RunReport r = MatMul.Plan(mesh, m, n, k, Strategy.RowParallel, new MatMulOptions { ReduceAlgorithm = CollectiveAlgorithm.Ring }).Estimate();
        double gemm = 2.0 * m * n * (k / p) / 1e14;
        double s = 2.0 * m * n;
        double ring = 2 * (p - 1) * (Alpha + (s / p / B));
        Near(gemm, r.ComputeSeconds, "compute");
        Near(ring, r.CommSeconds, "ring all-reduce");
        Near(gemm + ring, r.SimulatedSeconds, "step");
        Near(ring, r.ExposedCommSeconds, "exposed");
    }

    [Theory]
    [InlineData(1e11)] // GEMM step longer than the transfer step: communication hidden
    [InlineData(1e16)] // transfer step longer: the GEMMs hide behind it
    public void CollectiveMatmul_IsOneGemmPlus_PMinus1_MaxOfGemmAndShift(double flops)
    {
        const int p = 8, m = 1024, n = 512, k = 512;
        var mesh = DeviceMesh.Create(Ideal(p, flops), [("x", p)]);
        RunReport r = MatMul.Plan(mesh, m, n, k, Strategy.CollectiveMatmul).Estimate();
        double tg = 2.0 * (m / p) * (n / p) * k / flops;
        double ts = Alpha + ((m / p) * k * 2.0 / B);
        Near(tg + ((p - 1) * Math.Max(tg, ts)), r.SimulatedSeconds, "collective matmul");
        if (tg > ts)
        {
            Assert.True(r.ExposedCommSeconds <= 1e-6 * r.SimulatedSeconds, $"exposed {r.ExposedCommSeconds} with GEMM steps longer than shifts");
        }
        else
        {
            Near((p - 1) * (ts - tg), r.ExposedCommSeconds, "exposed when transfers dominate");
        }
    }

    [Theory]
    [InlineData(1e11)]
    [InlineData(1e16)]
    public void Cannon_IsSkewThen_QSteps_OverlappedWithShifts(double flops)
    {
        const int q = 4, size = 512;
        var mesh = DeviceMesh.Create(Ideal(q * q, flops), [("x", q), ("y", q)]);
        RunReport r = MatMul.Plan(mesh, size, size, size, Strategy.Cannon).Estimate();
        int blk = size / q;
        double tg = 2.0 * blk * blk * blk / flops;
        // A and B blocks leave (and arrive at) one port together: 2 blocks per shift.
        double ts = Alpha + (2.0 * blk * blk * 2 / B);
        Near(ts + tg + ((q - 1) * Math.Max(ts, tg)), r.SimulatedSeconds, "cannon");
    }

    [Fact]
    public void Rows_HasNoCommunication_AndTheRooflineOfTheLargestShard()
    {
        const int p = 8;
        var mesh = DeviceMesh.Create(Ideal(p, 1e14), [("x", p)]);
        RunReport r = MatMul.Plan(mesh, 1024, 256, 512, Strategy.Rows).Estimate(new TimingOptions { ComputeEfficiency = 0.5, LaunchSeconds = 1e-6 });
        Near(1e-6 + (2.0 * 128 * 256 * 512 / (1e14 * 0.5)), r.SimulatedSeconds, "rows");
        Assert.Equal(0, r.CommSeconds);
    }
}

public class EstimateConsistencyTests
{
    [Theory]
    [InlineData(CloudMatrix.Compute.Collectives.CollectiveAlgorithm.Ring)]
    [InlineData(CloudMatrix.Compute.Collectives.CollectiveAlgorithm.OneShot)]
    public void OneGroupStep_EqualsTheCollectiveModel_WithItsFixedCostsAndProtocols(CloudMatrix.Compute.Collectives.CollectiveAlgorithm algorithm)
    {
        // CloudMatrix384's preset carries fitted launch, step and protocol costs: a plan step must use them exactly as
        // Collective.Estimate does for the same group.
        var system = Systems.CloudMatrix384();
        var mesh = DeviceMesh.Create(system, [("tp", 8)], Enumerable.Range(0, 8).ToArray());
        RunReport r = MatMul.Plan(mesh, 512, 1024, 1024, Strategy.RowParallel, new MatMulOptions { ReduceAlgorithm = algorithm }).Estimate();
        double expected = CloudMatrix.Compute.Collectives.Collective.Estimate(system, CloudMatrix.Compute.Collectives.CollectiveOperation.AllReduce, 512L * 1024,
            CloudMatrix.Compute.Collectives.CollectiveDataType.Bf16, algorithm, new CloudMatrix.Compute.Collectives.CollectiveOptions { Group = Enumerable.Range(0, 8).ToArray() }).SimulatedSeconds;
        Assert.Equal(expected, r.CommSeconds, expected * 1e-9);
    }
}
