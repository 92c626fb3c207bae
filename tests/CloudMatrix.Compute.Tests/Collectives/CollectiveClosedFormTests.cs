using System.Globalization;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Collectives;

/// <summary>
/// On an uncontended single switch (one port of B bytes/s each way per device, path latency α) every algorithm's
/// simulated time equals its α-β closed form, derived here step by step, to 1e-6 relative. The network model is the
/// project's flow simulator (<see cref="Network.NetworkSimulator"/>); the same forms hold on the internal
/// reference switch.
/// </summary>
public class CollectiveClosedFormTests
{
    private const double B = 50e9;          // bytes/s per port, each way
    private const double HopLatency = 1e-6; // switch hop; a device-to-device path has two hops
    private const double Alpha = 2 * HopLatency;

    public static TheoryData<bool> Networks => new() { true, false };

    internal static SystemSpec IdealSystem(int devices, int devicesPerNode)
    {
        var npu = new NpuSpec("ideal", 1, 1e15, 1e15, 1e15, 1e15, 1L << 40, 1e15);
        var b = new TopologyBuilder("ideal-" + devices.ToString(CultureInfo.InvariantCulture), npu) { RackCount = 1, NodeCount = (devices + devicesPerNode - 1) / devicesPerNode };
        b.AddSwitch(new SwitchSpec("switch", "ideal", new SwitchChipSpec("ideal", devices, B), -1, 0, -1, null));
        for (int i = 0; i < devices; i++)
        {
            string id = "d" + i.ToString(CultureInfo.InvariantCulture);
            b.AddDevice(id, node: i / devicesPerNode);
            b.AddLink(id, "switch", B, HopLatency);
        }

        return b.Build();
    }

    private static CollectiveFabric Fabric(bool flowSimulator, int n, int perNode = 1, DeviceReduceModel? reduce = null)
    {
        var nodes = new int[n];
        for (int i = 0; i < n; i++) nodes[i] = i / perNode;
        ITransferSimulator network = flowSimulator
            ? new NetworkSimulatorAdapter(IdealSystem(n, perNode))
            : new IdealSwitchSimulator(n, B, Alpha);
        return new CollectiveFabric("ideal", nodes, network, reduce ?? DeviceReduceModel.Free);
    }

    private static void AssertTime(double expected, CollectiveTiming timing)
    {
        double rel = Math.Abs(timing.SimulatedSeconds - expected) / expected;
        Assert.True(rel <= 1e-6, $"{timing.Algorithm} {timing.Operation}: simulated {timing.SimulatedSeconds:R} s, closed form {expected:R} s, relative error {rel:E2}");
    }

    private static CollectiveTiming Time(bool net, CollectiveOperation op, CollectiveAlgorithm algorithm, int n, int length, int chunks = 1, int perNode = 1, DeviceReduceModel? reduce = null) =>
        Collective.Estimate(Fabric(net, n, perNode, reduce), op, length, CollectiveDataType.Fp32, algorithm, new CollectiveOptions { Chunks = chunks, Root = n - 1 });

    // Element counts divisible by every part count used below, so each step moves exactly S/k bytes.
    private const int L = 8 * 7 * 4 * 2 * 3 * 5 * 16;
    private const double S = L * 4.0;

    [Theory]
    [MemberData(nameof(Networks))]
    public void RingAllReduce_Is_2_nMinus1_Alpha_Plus_2_nMinus1_Over_n_S_Over_B(bool net)
    {
        foreach (int n in new[] { 2, 7, 8 })
        {
            // Reduce-scatter then all-gather: 2(n-1) steps, each one S/n message per port.
            AssertTime(2 * (n - 1) * (Alpha + (S / n / B)), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, L));
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void RingAllReduce_WithReduceCost_AddsOneChunkReductionPerReduceScatterStep(bool net)
    {
        const int n = 8;
        var reduce = new DeviceReduceModel(VectorFlopsPerSecond: 1e11, HbmBytesPerSecond: 1e12);
        double m = L / n;
        double gamma = Math.Max(m / 1e11, 3 * m * 4 / 1e12);
        // Each of the n-1 reduce-scatter receptions is summed before the next send leaves.
        AssertTime((2 * (n - 1) * (Alpha + (S / n / B))) + ((n - 1) * gamma), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, n, L, reduce: reduce));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void BidirectionalRing_OnOnePortPerDevice_EqualsTheRing(bool net)
    {
        // Two half-size messages share each port: the same bandwidth term, the same 2(n-1) latencies; the two
        // directions' half-size reductions share the device, so the reduce term is the ring's too.
        const int n = 8;
        AssertTime(2 * (n - 1) * (Alpha + (S / n / B)), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.BidirectionalRing, n, L));
        var reduce = new DeviceReduceModel(VectorFlopsPerSecond: 1e11, HbmBytesPerSecond: 1e12);
        double m = L / n;
        double gamma = Math.Max(m / 1e11, 3 * m * 4 / 1e12);
        AssertTime((2 * (n - 1) * (Alpha + (S / n / B))) + ((n - 1) * gamma), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.BidirectionalRing, n, L, reduce: reduce));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void HalvingDoubling_PowerOfTwo_Is_2_Log2n_Alpha_Plus_2_nMinus1_Over_n_S_Over_B(bool net)
    {
        const int n = 8;
        AssertTime((2 * 3 * Alpha) + (2.0 * (n - 1) / n * S / B), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.HalvingDoubling, n, L));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void HalvingDoubling_SevenRanks_FoldsThreePairs_AddingTwoFullMessages(bool net)
    {
        // n = 7 = 4 + 3: fold (α + S/B), halving-doubling over p = 4, unfold (α + S/B).
        const int p = 4;
        AssertTime((2 * (Alpha + (S / B))) + (2 * 2 * Alpha) + (2.0 * (p - 1) / p * S / B), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.HalvingDoubling, 7, L));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Direct_Is_2_Alpha_Plus_2_nMinus1_Over_n_S_Over_B(bool net)
    {
        foreach (int n in new[] { 7, 8 })
        {
            // All n-1 parts leave each port at once (B/(n-1) each): one α per phase.
            AssertTime((2 * Alpha) + (2.0 * (n - 1) / n * S / B), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.Direct, n, L));
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OneShot_Is_Alpha_Plus_nMinus1_S_Over_B(bool net)
    {
        const int n = 7;
        AssertTime(Alpha + ((n - 1) * S / B), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.OneShot, n, L));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void DoubleBinaryTree_TwoAndThreeRanks_MatchHandDerivedForms(bool net)
    {
        // n = 2: each tree is one edge carrying S/2, up then down: 2(α + S/(2B)).
        AssertTime(2 * (Alpha + (S / 2 / B)), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.DoubleBinaryTree, 2, L));
        // n = 3: trees 0,2 -> 1 and 1,0 -> 2; every busy port carries two S/2 messages at B/2: 2(α + S/B).
        AssertTime(2 * (Alpha + (S / B)), Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.DoubleBinaryTree, 3, L));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Hierarchical_TwoNodesOfFour_IsIntraRingTwiceAndOneInterRingAllReduce(bool net)
    {
        const int k = 4;
        const int nodes = 2;
        double intra = 2 * (k - 1) * (Alpha + (S / k / B));
        double inter = 2 * (nodes - 1) * (Alpha + (S / k / nodes / B));
        AssertTime(intra + inter, Time(net, CollectiveOperation.AllReduce, CollectiveAlgorithm.Hierarchical, k * nodes, L, perNode: k));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void ReduceScatterAndAllGather_MatchTheirHalfOfTheAllReduceForms(bool net)
    {
        const int n = 8;
        foreach (CollectiveOperation op in new[] { CollectiveOperation.ReduceScatter, CollectiveOperation.AllGather })
        {
            int length = op == CollectiveOperation.AllGather ? L / n : L;   // all-gather: S is the gathered buffer
            AssertTime((n - 1) * (Alpha + (S / n / B)), Time(net, op, CollectiveAlgorithm.Ring, n, length));
            AssertTime((n - 1) * (Alpha + (S / n / B)), Time(net, op, CollectiveAlgorithm.BidirectionalRing, n, length));
            AssertTime((3 * Alpha) + ((n - 1.0) / n * S / B), Time(net, op, CollectiveAlgorithm.HalvingDoubling, n, length));
            AssertTime(Alpha + ((n - 1.0) / n * S / B), Time(net, op, CollectiveAlgorithm.Direct, n, length));
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void BroadcastAndReduce_PipelinedChain_BinomialTree_ScatterGather(bool net)
    {
        foreach (CollectiveOperation op in new[] { CollectiveOperation.Broadcast, CollectiveOperation.Reduce })
        {
            foreach (int n in new[] { 7, 8 })
            {
                foreach (int k in new[] { 1, 4, 16 })
                {
                    // A chain of n-1 hops, k chunks: the pipeline fills in n-2 stages and drains k.
                    AssertTime((n - 2 + k) * (Alpha + (S / k / B)), Time(net, op, CollectiveAlgorithm.Ring, n, L, chunks: k));
                }

                // Binomial tree: ⌈log2 n⌉ rounds of a full message.
                AssertTime(3 * (Alpha + (S / B)), Time(net, op, CollectiveAlgorithm.HalvingDoubling, n, L));
                // Scatter (or reduce-scatter) then all-gather (or gather): two direct phases.
                AssertTime((2 * Alpha) + (2.0 * (n - 1) / n * S / B), Time(net, op, CollectiveAlgorithm.Direct, n, L));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void AllToAll_DirectAndPairwise(bool net)
    {
        const int n = 7;
        AssertTime(Alpha + ((n - 1.0) / n * S / B), Time(net, CollectiveOperation.AllToAll, CollectiveAlgorithm.Direct, n, L));
        AssertTime((n - 1) * (Alpha + (S / n / B)), Time(net, CollectiveOperation.AllToAll, CollectiveAlgorithm.Pairwise, n, L));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void SendReceive_IsAlphaPlusSOverB(bool net) =>
        AssertTime(Alpha + (S / B), Time(net, CollectiveOperation.SendReceive, CollectiveAlgorithm.Direct, 2, L));

    [Fact]
    public void BusBandwidth_FollowsTheNcclTestsFactors()
    {
        var t = Time(true, CollectiveOperation.AllReduce, CollectiveAlgorithm.Ring, 8, L);
        Assert.Equal(S / t.SimulatedSeconds / 1e9, t.AlgorithmBandwidthGBps, 9);
        Assert.Equal(t.AlgorithmBandwidthGBps * 2 * 7 / 8, t.BusBandwidthGBps, 9);
        // On the ideal switch the ring's bus bandwidth approaches the port bandwidth as S grows.
        var big = Collective.Estimate(Fabric(true, 8), CollectiveOperation.AllReduce, 1 << 26, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, null);
        Assert.InRange(big.BusBandwidthGBps, 0.99 * B / 1e9, B / 1e9);
    }
}
