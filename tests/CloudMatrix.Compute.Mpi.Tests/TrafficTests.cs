using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi.Tests;

/// <summary>
/// The bytes a distributed run counts at its transport equal the plan's cross-process traffic computed from the plan
/// and the placement alone (<see cref="CrossProcessTraffic"/>), for every strategy and reduction algorithm.
/// </summary>
public class TrafficTests
{
    [Theory]
    [MemberData(nameof(BitIdentityTests.Cases), MemberType = typeof(BitIdentityTests))]
    public void CountedBytes_EqualThePlansCrossProcessTraffic(string strategy, string meshText, string reduce, int processes, bool splitNodes)
    {
        DeviceMesh mesh = TestSystems.Mesh(TestSystems.Ideal(48), meshText);
        var algorithm = reduce switch { "ring" => CollectiveAlgorithm.Ring, "one-shot" => CollectiveAlgorithm.OneShot, "direct" => CollectiveAlgorithm.Direct, _ => CollectiveAlgorithm.Auto };
        MatMulPlan plan = MatMul.Plan(mesh, 96, 96, 96, Strategy.Parse(strategy), new MatMulOptions { ReduceAlgorithm = algorithm });
        AssertCountedEqualsPlan(plan, processes, splitNodes);
    }

    [Theory]
    [InlineData(CollectiveAlgorithm.Ring, 2)]
    [InlineData(CollectiveAlgorithm.Ring, 4)]
    [InlineData(CollectiveAlgorithm.OneShot, 3)]
    public void KSplitOverTheOuterAxis_CountedBytes_EqualThePlansCrossProcessTraffic(CollectiveAlgorithm algorithm, int processes)
    {
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, PartitionSpec.P(null, "x"), PartitionSpec.P("x", null),
            options: new MatMulOptions { ReduceAlgorithm = algorithm });
        AssertCountedEqualsPlan(plan, processes, true);
    }

    [Fact]
    public void OuterAxisRingAllReduce_MatchesTheClosedForm()
    {
        // The closed form of DistributedRunTests: 8 groups of 6 members, 3 per process; 5 of the 6 chunks cross the
        // edge into the other process, then each process's 3 owned chunks go to the other once.
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, PartitionSpec.P(null, "x"), PartitionSpec.P("x", null),
            options: new MatMulOptions { ReduceAlgorithm = CollectiveAlgorithm.Ring });
        long expected = 8 * (5 + 3) * (2L * 96 * 96 / 6);
        Assert.Equal([expected, expected], CrossProcessTraffic.BytesPerProcess(plan, ProcessPlacement.Contiguous(plan.Mesh, 2)));
    }

    [Fact]
    public void OneProcess_SendsNothing()
    {
        MatMulPlan plan = MatMul.Plan(TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8"), 96, 96, 96, Strategy.Summa);
        Assert.Equal([0L], CrossProcessTraffic.BytesPerProcess(plan, ProcessPlacement.Contiguous(plan.Mesh, 1)));
    }

    private static void AssertCountedEqualsPlan(MatMulPlan plan, int processes, bool splitNodes)
    {
        long[] computed = CrossProcessTraffic.BytesPerProcess(plan, ProcessPlacement.Contiguous(plan.Mesh, processes, splitNodes));
        DistributedRun[] runs = TestSystems.RunInProcess(plan, processes, new DistributedOptions { AllowNodeSplit = splitNodes });
        try
        {
            Assert.All(runs, r => Assert.Equal(computed, r.Report.MpiBytesPerProcess));
            Assert.All(runs, r => Assert.Equal(computed, r.Report.PlanBytesPerProcess));
        }
        finally
        {
            foreach (DistributedRun r in runs) r.Dispose();
        }
    }
}
