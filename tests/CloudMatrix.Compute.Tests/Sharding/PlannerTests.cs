using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;
using CsCheck;

namespace CloudMatrix.Compute.Tests.Sharding;

public class PlannerTests
{
    private const double B = ShardingTestData.Bandwidth;
    private const double Alpha = 2 * ShardingTestData.HopLatency;

    [Fact]
    public void Ranking_OnASmallSystem_IsTheHandCheckedOrder()
    {
        // 4 devices, 64^3, rows vs row-parallel: every candidate does the same 2*64^3/4 FLOPs per device; rows needs no
        // communication, row-parallel all-reduces a partial C (x=2,y=2: 32x64 BF16 over pairs; x=4: 64x64 over 4).
        var system = ShardingTestData.IdealSystem(4, flops: 1e12, hbm: 1e30);
        PlanRanking r = Planner.Rank(system, 64, 64, 64, new PlannerOptions { Strategies = [Strategy.Rows, Strategy.RowParallel], Uneven = false });
        double gemm = 2.0 * 64 * 64 * 64 / 4 / 1e12;
        Assert.Equal("rows", r.Best.Strategy);
        Assert.Equal(gemm, r.Best.SimulatedSeconds, gemm * 1e-9);
        Assert.Contains("less exposed communication", r.Why);
        var pair = r.Candidates.Single(c => c.Strategy == "row-parallel" && c.Mesh == "mesh{x=2, y=2}" && c.ReduceAlgorithm == CollectiveAlgorithm.Ring);
        double s = 32.0 * 64 * 2;
        Assert.Equal(gemm + (2 * (Alpha + (s / 2 / B))), pair.SimulatedSeconds, 1e-6 * pair.SimulatedSeconds);
        var four = r.Candidates.Single(c => c.Strategy == "row-parallel" && c.Mesh == "mesh{x=4}" && c.ReduceAlgorithm == CollectiveAlgorithm.Ring);
        double s4 = 64.0 * 64 * 2;
        Assert.Equal(gemm + (6 * (Alpha + (s4 / 4 / B))), four.SimulatedSeconds, 1e-6 * four.SimulatedSeconds);
        Assert.True(r.Candidates.Select(c => c.SimulatedSeconds).SequenceEqual(r.Candidates.Select(c => c.SimulatedSeconds).Order()));
    }

    [Fact]
    public void Best_IsTheMinimumOfTheCandidatesFullEstimates()
    {
        var system = ShardingTestData.IdealSystem(12);
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 6], Gen.Int[1, 6], Gen.Int[1, 12])
            .Sample((a, b, c, devices) =>
            {
                int m = 24 * a, n = 24 * b, k = 24 * c;
                PlanRanking r = Planner.Rank(system, m, n, k, new PlannerOptions { Devices = devices });
                if (r.Candidates.Count == 0) return r.Refused.Count > 0;
                double best = r.Best.Plan.Estimate().SimulatedSeconds;
                return Math.Abs(best - r.Best.SimulatedSeconds) <= 1e-12 * best
                    && r.Candidates.All(x => x.Plan.Estimate().SimulatedSeconds >= best * (1 - 1e-12));
            }, iter: 12);
    }

    [Fact]
    public void NoFeasibleCandidate_ExplainsPerStrategy()
    {
        var system = ShardingTestData.IdealSystem(8);
        PlanRanking r = Planner.Rank(system, 7, 7, 7, new PlannerOptions { Uneven = false, Strategies = [Strategy.Rows, Strategy.Summa] });
        Assert.Empty(r.Candidates);
        var ex = Assert.Throws<InvalidOperationException>(() => r.Best);
        Assert.Contains("rows:", ex.Message);
        Assert.Contains("summa:", ex.Message);
        Assert.Contains("does not divide", ex.Message);
        Assert.All(r.Refused, x => Assert.DoesNotContain("(Parameter '", x.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void CandidatesBeyondHbm_AreRefusedWithTheNeed_NeverRanked()
    {
        // Row-parallel on 4 devices: the meshes x=4 and x=2,y=2 hold different partials. With HBM just large enough for
        // the smaller, the larger is refused naming its need, and the ranking holds only plans that fit.
        var roomy = ShardingTestData.IdealSystem(4);
        long[] needs = [.. new[] { new[] { ("x", 4) }, new[] { ("x", 2), ("y", 2) } }
            .Select(axes => MatMul.Plan(DeviceMesh.Create(roomy, axes), 64, 64, 64, Strategy.RowParallel).MemoryPerDeviceBytes)];
        Assert.NotEqual(needs[0], needs[1]);
        var tight = ShardingTestData.IdealSystem(4, hbmCapacity: needs.Min());
        PlanRanking r = Planner.Rank(tight, 64, 64, 64, new PlannerOptions { Strategies = [Strategy.RowParallel], Uneven = false });
        Assert.NotEmpty(r.Candidates);
        Assert.All(r.Candidates, c => Assert.True(c.Plan.MemoryPerDeviceBytes <= needs.Min()));
        Assert.Contains(r.Refused, x => x.Reason.Contains("HBM holds", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Pruned, x => r.Refused.Any(y => y.Mesh.StartsWith(x.Mesh, StringComparison.Ordinal)));
    }

    [Fact]
    public void Auto_PlansTheRankingsBest()
    {
        var system = ShardingTestData.IdealSystem(8);
        var mesh = DeviceMesh.Create(system, [("x", 8)]);
        MatMulPlan plan = MatMul.Plan(mesh, 64, 64, 64, Strategy.Auto);
        PlanRanking r = Planner.Rank(system, 64, 64, 64);
        Assert.Equal(r.Best.Strategy, plan.Strategy.Name);
        Assert.Equal(r.Best.SimulatedSeconds, plan.Estimate().SimulatedSeconds, 1e-12);
    }
}
