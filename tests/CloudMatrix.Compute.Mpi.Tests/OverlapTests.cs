using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi.Tests;

/// <summary>
/// Transfers between processes overlap the GEMMs the plan's DAG lets run meanwhile, and the bits stay those of the
/// single-process run.
/// </summary>
public class OverlapTests
{
    [Theory]
    [InlineData("summa", "x=6,y=8", 2)]
    [InlineData("summa", "x=6,y=8", 3)]
    [InlineData("2.5d", "x=4,y=4,z=3", 2)]
    public void PanelBroadcasts_OverlapThePreviousPanelsGemms_WithTheSameBits(string strategy, string meshText, int processes)
    {
        // SUMMA's panel p+1 broadcasts depend only on panel p's broadcasts: each panel's GEMMs but the last run while
        // the next panel's B broadcast (along the outer axis x, across processes) is in flight.
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), meshText), 96, 96, 96, Strategy.Parse(strategy));
        int panels = plan.Steps.OfType<GemmStep>().Count();
        Assert.True(panels > 1);
        DistributedRun[] runs = TestSystems.RunInProcess(plan, processes);
        try
        {
            Assert.All(runs, r => Assert.Equal(panels - 1, r.Report.OverlappedSteps));
        }
        finally
        {
            foreach (DistributedRun r in runs) r.Dispose();
        }

        BitIdentityTests.AssertSameBits(plan, processes, false);
    }

    [Fact]
    public void ReductionAfterTheGemms_LeavesNothingToOverlap()
    {
        // K over the outer axis: the all-reduce depends on the only GEMM step.
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, PartitionSpec.P(null, "x"), PartitionSpec.P("x", null));
        DistributedRun[] runs = TestSystems.RunInProcess(plan, 2);
        try
        {
            Assert.All(runs, r => Assert.Equal(0, r.Report.OverlappedSteps));
            Assert.All(runs, r => Assert.True(r.Report.MpiBytesPerProcess.All(b => b > 0)));
        }
        finally
        {
            foreach (DistributedRun r in runs) r.Dispose();
        }
    }

    [Fact]
    public void CollectiveMatmul_RingAcrossProcesses_OverlapsEveryGemmButTheLast()
    {
        // Collective matmul's ppermute of block s+1 is independent of the GEMM on block s. On a mesh whose ring axis
        // (the last) is also the outer one, every ppermute crosses the process boundary.
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=48"), 96, 96, 96, Strategy.Parse("collective-matmul"));
        int gemms = plan.Steps.OfType<GemmStep>().Count();
        DistributedRun[] runs = TestSystems.RunInProcess(plan, 2);
        try
        {
            Assert.All(runs, r => Assert.Equal(gemms - 1, r.Report.OverlappedSteps));
        }
        finally
        {
            foreach (DistributedRun r in runs) r.Dispose();
        }

        BitIdentityTests.AssertSameBits(plan, 2, false);
    }
}
