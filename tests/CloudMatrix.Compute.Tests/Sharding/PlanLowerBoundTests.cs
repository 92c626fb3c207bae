using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Execution;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Collectives.Algorithms;
using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Timing;
using CloudMatrix.Compute.Topology;
using CsCheck;

namespace CloudMatrix.Compute.Tests.Sharding;

/// <summary>
/// The planner estimates candidates in the order of <see cref="PlanEstimator.LowerBound"/> and stops once the bound
/// reaches the best estimate: a bound above a candidate's estimate would drop a plan that could win. These tests hold
/// the bound against the full estimate of every candidate (brute force), and its byte counts against the algorithms'
/// own timed transfers.
/// </summary>
public class PlanLowerBoundTests
{
    private static readonly TimingOptions PlannerTiming = PlannerOptions.Default.Timing;

    [Fact]
    public void LowerBound_NeverExceedsTheEstimate_OnEverySystemKind()
    {
        // Ideal switch, CloudMatrix384's UB (one protocol, 7 links per NPU), HGX H100 over InfiniBand (three NCCL
        // protocols, launch and step costs, two link classes), GB200 NVL72 (in-switch reduction) and a 4 x 4 torus
        // (no switch: transfers cross other devices' links).
        SystemSpec[] systems = [ShardingTestData.IdealSystem(12), Systems.CloudMatrix384(), Systems.HgxH100(2), Systems.Gb200Nvl72(), TopologyBuilder.Torus([4, 4], 50e9, 1e-6)];
        Gen.Select(Gen.Int[0, systems.Length - 1], Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[2, 16])
            .Sample((s, a, b, c, devices) =>
            {
                SystemSpec system = systems[s];
                devices = Math.Min(devices, system.DeviceCount);
                foreach (MatMulPlan plan in AllCandidates(system, devices, 8 * a, 8 * b, 8 * c))
                {
                    double bound = PlanEstimator.LowerBound(plan.Unresolved, PlannerTiming);
                    double estimate = plan.Estimate(PlannerTiming).SimulatedSeconds;
                    if (bound > estimate * (1 + 1e-9))
                    {
                        throw new Xunit.Sdk.XunitException($"{system.Name} {devices} devices {8 * a}x{8 * b}x{8 * c} {plan.Strategy.Name} {plan.Mesh}: bound {bound:E6} s > estimate {estimate:E6} s");
                    }
                }
            }, iter: 20, seed: "9pVCddZt3e23");
    }

    [Fact]
    public void Planner_Best_IsTheMinimumOverEveryCandidatesEstimate_PrunedOnesIncluded()
    {
        SystemSpec system = Systems.CloudMatrix384();
        foreach (var (devices, m, n, k) in new[] { (16, 512, 512, 512), (24, 96, 4096, 2048), (32, 4096, 64, 1024) })
        {
            PlanRanking ranking = Planner.Rank(system, m, n, k, new PlannerOptions { Devices = devices });
            double brute = AllCandidates(system, devices, m, n, k).Min(p => p.Estimate(PlannerTiming).SimulatedSeconds);
            Assert.Equal(brute, ranking.Best.SimulatedSeconds, brute * 1e-12);
        }
    }

    [HeavyFact]
    public void Planner_Best_OnAll384Devices_IsTheBruteForceMinimum()
    {
        // CMX_HEAVY_TESTS=1 dotnet test tests/CloudMatrix.Compute.Tests -c Release --filter PlanLowerBoundTests
        SystemSpec system = Systems.CloudMatrix384();
        PlanRanking ranking = Planner.Rank(system, 8192, 8192, 8192);
        var all = AllCandidates(system, system.DeviceCount, 8192, 8192, 8192).ToList();
        foreach (MatMulPlan plan in all)
        {
            Assert.True(PlanEstimator.LowerBound(plan.Unresolved, PlannerTiming) <= plan.Estimate(PlannerTiming).SimulatedSeconds * (1 + 1e-9), $"{plan.Strategy.Name} {plan.Mesh}");
        }

        double brute = all.Min(p => p.Estimate(PlannerTiming).SimulatedSeconds);
        Assert.Equal(brute, ranking.Best.SimulatedSeconds, brute * 1e-12);
    }

    public static TheoryData<CollectiveOperation, CollectiveAlgorithm> ExecutorReductions() => new()
    {
        { CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring },
        { CollectiveOperation.AllReduce, CollectiveAlgorithm.OneShot },
        { CollectiveOperation.ReduceScatter, CollectiveAlgorithm.Ring },
        { CollectiveOperation.ReduceScatter, CollectiveAlgorithm.Direct },
    };

    [Theory]
    [MemberData(nameof(ExecutorReductions))]
    public void LargeGroupFractions_OfTheExecutorsReductions_AreWhatTheirSchedulesMove(CollectiveOperation operation, CollectiveAlgorithm algorithm)
    {
        foreach (int n in new[] { 2, 3, 5, 8, 12, 48, 64 })
        {
            var (scheduled, _) = PlanEstimator.ScheduleFractions(operation, algorithm, n, 0, new int[n])!.Value;
            var (closed, _) = PlanEstimator.LargeGroupFractions(operation, algorithm, n, 0);
            for (int p = 0; p < n; p++) Assert.Equal(scheduled[p], closed[p], 1e-12);
        }
    }

    [Fact]
    public void LargeGroupFractions_NeverExceedWhatAnyAlgorithmsScheduleMoves()
    {
        CollectiveOperation[] operations = [CollectiveOperation.AllGather, CollectiveOperation.AllReduce, CollectiveOperation.ReduceScatter, CollectiveOperation.AllToAll, CollectiveOperation.Broadcast];
        foreach (CollectiveOperation operation in operations)
        {
            foreach (CollectiveAlgorithm algorithm in CollectiveAlgorithmRegistry.Supported(operation))
            {
                foreach (int n in new[] { 2, 3, 8, 16, 24 })
                {
                    int[] nodes = [.. Enumerable.Range(0, n).Select(p => p / 8)];
                    var scheduled = PlanEstimator.ScheduleFractions(operation, algorithm, n, 1 % n, nodes);
                    if (scheduled is null) continue;
                    var (bound, _) = PlanEstimator.LargeGroupFractions(operation, CollectiveAlgorithm.Auto, n, 1 % n);
                    for (int p = 0; p < n; p++)
                    {
                        Assert.True(bound[p] <= scheduled.Value.In[p] + 1e-12, $"{operation} {algorithm} n={n} position {p}: bound {bound[p]} > scheduled {scheduled.Value.In[p]}");
                    }
                }
            }
        }
    }

    [Fact]
    public void ScheduleFractions_AreWhatTheTimedTransfersCarry_WithChunksAndChannels()
    {
        // The bound counts one chunk and one channel; the timed collective splits the same data into chunks and (on
        // rings across nodes) channels. On CloudMatrix384 at sizes where both are several, every device receives the
        // same bytes either way.
        SystemSpec system = Systems.CloudMatrix384();
        CollectiveFabric fabric = CollectiveFabric.For(system);
        CollectiveFabric variant = fabric.TimingVariants(CollectiveAlgorithm.Ring)[0];
        int[] devices = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19];
        int[] nodes = [.. devices.Select(d => system.Devices[d].NodeIndex)];
        const long elements = 3L << 20;
        foreach (var (operation, algorithm) in new[]
        {
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring), (CollectiveOperation.AllReduce, CollectiveAlgorithm.OneShot),
            (CollectiveOperation.ReduceScatter, CollectiveAlgorithm.Ring), (CollectiveOperation.ReduceScatter, CollectiveAlgorithm.Direct),
            (CollectiveOperation.AllGather, CollectiveAlgorithm.Ring), (CollectiveOperation.AllGather, CollectiveAlgorithm.Direct),
            (CollectiveOperation.AllReduce, CollectiveAlgorithm.Hierarchical),
        })
        {
            var timer = ConcurrentCollectives.Timer(variant, operation, algorithm, devices, elements, 2)!.Value;
            var received = new double[system.DeviceCount];
            foreach (TimedTransfer t in timer.Timer.Transfers(timer.Scale)) received[t.Destination] += t.Bytes / variant.ByteScale;
            var (fractions, _) = PlanEstimator.ScheduleFractions(operation, algorithm, devices.Length, 0, nodes)!.Value;
            for (int p = 0; p < devices.Length; p++)
            {
                Assert.Equal(fractions[p] * elements * 2, received[devices[p]], 1e-9 * received[devices[p]]);
            }
        }
    }

    /// <summary>
    /// Every strategy on every factorisation of <paramref name="devices"/> into one, two or three axes, with both
    /// reduction algorithms: a superset of what the planner enumerates.
    /// </summary>
    internal static IEnumerable<MatMulPlan> AllCandidates(SystemSpec system, int devices, int m, int n, int k)
    {
        int[]? subset = devices == system.DeviceCount ? null : [.. Enumerable.Range(0, devices)];
        int[] divisors = [.. Enumerable.Range(1, devices).Where(d => devices % d == 0)];
        var meshes = new List<(string, int)[]> { new[] { ("x", devices) } };
        foreach (int a in divisors.Where(d => d > 1 && d < devices)) meshes.Add([("x", a), ("y", devices / a)]);
        foreach (int a in divisors.Where(d => d > 1))
        {
            foreach (int b in divisors.Where(d => d > 1 && devices % (a * d) == 0 && devices / (a * d) > 1)) meshes.Add([("x", a), ("y", b), ("z", devices / (a * b))]);
        }

        foreach (Strategy strategy in Strategy.All)
        {
            foreach (var axes in meshes)
            {
                foreach (CollectiveAlgorithm reduce in new[] { CollectiveAlgorithm.Ring, CollectiveAlgorithm.OneShot })
                {
                    MatMulPlan plan;
                    try
                    {
                        plan = MatMul.Plan(DeviceMesh.Create(system, axes, subset), m, n, k, strategy, new MatMulOptions { Uneven = true, ReduceAlgorithm = reduce, Timing = PlannerTiming });
                    }
                    catch (ArgumentException)
                    {
                        continue;
                    }

                    if (plan.MemoryPerDeviceBytes > system.Npu.HbmCapacityBytes) continue;
                    yield return plan;
                }
            }
        }
    }
}
