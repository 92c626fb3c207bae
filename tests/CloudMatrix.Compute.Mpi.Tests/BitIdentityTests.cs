using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;

namespace CloudMatrix.Compute.Mpi.Tests;

/// <summary>
/// A plan run by several processes (threads with an in-memory transport standing in for MPI) gives the same bits,
/// block by block, as the single-process executor: the copies and reductions happen in the same order with the same
/// operands, only some of the operands arrive as messages.
/// </summary>
public class BitIdentityTests
{
    public static TheoryData<string, string, string, int, bool> Cases()
    {
        var data = new TheoryData<string, string, string, int, bool>();
        foreach (string s in new[] { "rows", "columns", "row-parallel", "row-parallel-rs", "collective-matmul", "summa" })
        {
            data.Add(s, "x=6,y=8", "auto", 2, false);
            data.Add(s, "x=6,y=8", "auto", 3, true);
        }

        data.Add("row-parallel", "x=6,y=8", "ring", 5, true);
        data.Add("row-parallel", "x=6,y=8", "one-shot", 5, true);
        data.Add("row-parallel-rs", "x=6,y=8", "ring", 7, true);
        data.Add("row-parallel-rs", "x=6,y=8", "direct", 7, true); // the timed half has no one-shot reduce-scatter; direct sums in the same order
        data.Add("2.5d", "x=4,y=4,z=3", "ring", 2, false);
        data.Add("2.5d", "x=4,y=4,z=3", "direct", 5, true);
        data.Add("3d", "x=2,y=4,z=6", "ring", 2, false);
        data.Add("3d", "x=2,y=4,z=6", "ring", 4, true);
        data.Add("cannon", "x=6,y=6", "auto", 4, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Distributed_EqualsSingleProcess_BitForBit(string strategy, string meshText, string reduce, int processes, bool splitNodes)
    {
        DeviceMesh mesh = TestSystems.Mesh(TestSystems.Ideal(48), meshText);
        var algorithm = reduce switch { "ring" => CollectiveAlgorithm.Ring, "one-shot" => CollectiveAlgorithm.OneShot, "direct" => CollectiveAlgorithm.Direct, _ => CollectiveAlgorithm.Auto };
        MatMulPlan plan = MatMul.Plan(mesh, 96, 96, 96, Strategy.Parse(strategy), new MatMulOptions { ReduceAlgorithm = algorithm });
        AssertSameBits(plan, processes, splitNodes);
    }

    [Theory]
    [InlineData("ring")]
    [InlineData("one-shot")]
    public void KSplitOverTheOuterAxis_AcrossProcesses_EqualsSingleProcess(string reduce)
    {
        // K over the outer axis: every reduction group spans both processes, so every hop of the ring that crosses
        // the process boundary goes through the transport.
        DeviceMesh mesh = TestSystems.Mesh(TestSystems.Ideal(48), "x=6,y=8");
        var algorithm = reduce == "ring" ? CollectiveAlgorithm.Ring : CollectiveAlgorithm.OneShot;
        MatMulPlan plan = MatMul.Plan(mesh, 96, 96, 96, PartitionSpec.P(null, "x"), PartitionSpec.P("x", null), options: new MatMulOptions { ReduceAlgorithm = algorithm });
        AssertSameBits(plan, 2, false);
    }

    internal static void AssertSameBits(MatMulPlan plan, int processes, bool splitNodes)
    {
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun single = TestSystems.RunSingle(plan, backend);
        DistributedRun[] runs = TestSystems.RunInProcess(plan, processes, new DistributedOptions { AllowNodeSplit = splitNodes });
        try
        {
            foreach (DistributedRun run in runs)
            {
                for (int p = 0; p < plan.Mesh.Size; p++)
                {
                    if (run.LocalC(p) is not { } local) continue;
                    Assert.True(
                        single.C.Local(p).ToArray().Select(x => x.ToBits()).SequenceEqual(local.ToArray().Select(x => x.ToBits())),
                        $"{plan.Strategy.Name} on {plan.Mesh} over {processes} processes: position {p}'s block of C differs from the single-process run");
                }

                Assert.Equal(DistributedMatMul.Checksum(single.C), run.Report.CChecksum);
                Assert.True(run.Report.Run.Verified, run.Report.ToString());
                Assert.Equal(single.Report.Numerics!.CheckedElements, run.Report.Run.Numerics!.CheckedElements);
                Assert.Equal(single.Report.Numerics.MaxAbsError, run.Report.Run.Numerics.MaxAbsError);
            }

            Assert.Equal(plan.Mesh.Size, Enumerable.Range(0, plan.Mesh.Size).Count(p => runs.Count(r => r.LocalC(p) is not null) == 1));
        }
        finally
        {
            foreach (DistributedRun r in runs) r.Dispose();
        }
    }
}
