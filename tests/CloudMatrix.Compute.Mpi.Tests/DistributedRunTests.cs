using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Mpi.Tests;

public class DistributedRunTests
{
    [Fact]
    public void SimulatedTime_DoesNotDependOnTheNumberOfProcesses()
    {
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, Strategy.Summa);
        double estimate = plan.Estimate().SimulatedSeconds;
        foreach (int processes in new[] { 1, 2, 3 })
        {
            DistributedRun[] runs = TestSystems.RunInProcess(plan, processes);
            Assert.All(runs, r => Assert.Equal(estimate, r.Report.Run.SimulatedSeconds));
            Assert.All(runs, r => Assert.Equal(processes, r.Report.Processes));
            foreach (DistributedRun r in runs) r.Dispose();
        }
    }

    [Fact]
    public void InnerAxisReductions_StayInsideTheProcesses()
    {
        // Row-parallel all-reduces over the inner axis; whole outer slices per process: nothing crosses.
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, Strategy.RowParallel);
        DistributedRun[] runs = TestSystems.RunInProcess(plan, 2);
        Assert.All(runs, r => Assert.Equal([0L, 0L], r.Report.MpiBytesPerProcess));
        foreach (DistributedRun r in runs) r.Dispose();
    }

    [Theory]
    [InlineData(CollectiveAlgorithm.Ring)]
    [InlineData(CollectiveAlgorithm.OneShot)]
    public void OuterAxisAllReduce_SendsWhatTheAlgorithmMovesAcrossTheBoundary(CollectiveAlgorithm algorithm)
    {
        // K over x (6 members, 3 per process), C partial M x N on every device, all-reduced over x: 8 groups (one per y).
        const int m = 96, n = 96, members = 6, groups = 8;
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), m, n, 96, PartitionSpec.P(null, "x"), PartitionSpec.P("x", null),
            options: new MatMulOptions { ReduceAlgorithm = algorithm });
        long chunkBytes = 2L * m * n / members;

        // Ring: chunk j visits every ring edge but the one leaving its owner; the edge into the other process is
        // crossed by 5 of the 6 chunks, then the 3 chunks a process owns go once to the other process.
        // One-shot: each process sends its 3 members' whole buffers to the other once.
        long expected = algorithm == CollectiveAlgorithm.Ring ? groups * (5 + 3) * chunkBytes : groups * 3 * members * chunkBytes;
        DistributedRun[] runs = TestSystems.RunInProcess(plan, 2);
        Assert.All(runs, r => Assert.Equal([expected, expected], r.Report.MpiBytesPerProcess));
        foreach (DistributedRun r in runs) r.Dispose();
    }

    [Fact]
    public void MemoryGuard_RefusesOnEveryProcess_NamingTheProcessAndTheBudget()
    {
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, Strategy.Summa);
        var ex = Assert.Throws<PlanMemoryException>(() => TestSystems.RunInProcess(plan, 2, new DistributedOptions { MemoryBudgetBytes = 10_000 }));
        Assert.Contains("Process 0 of 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(10,000 bytes)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(10_000, ex.BudgetBytes);
    }

    [Fact]
    public void SpotCheck_On384Devices_ChecksTheSameTilesAsTheSingleProcessRun()
    {
        DeviceMesh mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        MatMulPlan plan = MatMul.Plan(mesh, 768, 768, 768, Strategy.RowParallel, new MatMulOptions { ReduceAlgorithm = CollectiveAlgorithm.Ring });
        DistributedRun[] runs = TestSystems.RunInProcess(plan, 4, new DistributedOptions { SpotCheckTiles = 8 });
        using var backend = Backends.ComputeBackend.Create("cpu-simd");
        using MatMulRun single = plan.Execute(
            Tensors.DenseTensor.Random<Numerics.BFloat16>([768, 768], 1), Tensors.DenseTensor.Random<Numerics.BFloat16>([768, 768], 2), backend, new ExecuteOptions { SpotCheckTiles = 8 });
        Assert.All(runs, r =>
        {
            Assert.True(r.Report.Run.Verified);
            Assert.Equal(single.Report.Numerics!.CheckedElements, r.Report.Run.Numerics!.CheckedElements);
            Assert.Equal(single.Report.Numerics.MaxAbsError, r.Report.Run.Numerics.MaxAbsError);
            Assert.Equal(DistributedMatMul.Checksum(single.C), r.Report.CChecksum);
        });
        foreach (DistributedRun r in runs) r.Dispose();
    }
}
