using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Network;

/// <summary>
/// Cases where the multipath split once lost capacity: each checks a single flow against its max flow over the
/// shortest paths, worked out by hand.
/// </summary>
public class RoutingRegressionTests
{
    private static void Rel(double expected, double actual, double tolerance = 1e-9) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, was {actual:R}");

    /// <summary>
    /// d0 reaches d1 over two switches a and b (two hops each). d0-a runs at <paramref name="firstLinkBw"/>, d0-b at
    /// 10 GB/s, and each switch has one 5 GB/s link to d1: the max flow is 5 + 5 = 10 GB/s whatever d0-a's rate
    /// above 5 GB/s.
    /// </summary>
    private static SystemSpec TwoSwitches(double firstLinkBw)
    {
        var b = new TopologyBuilder("two-switches", TopologyBuilder.IdealNpu);
        var chip = new SwitchChipSpec("c", 8, 100e9);
        b.AddSwitch(new SwitchSpec("a", "leaf", chip, -1, 0, -1, null));
        b.AddSwitch(new SwitchSpec("b", "leaf", chip, -1, 0, -1, null));
        b.AddDevice("d0", node: 0);
        b.AddDevice("d1", node: 1);
        b.AddLink("d0", "a", firstLinkBw, 1e-6);
        b.AddLink("d0", "b", 10e9, 1e-6);
        b.AddLink("a", "d1", 5e9, 1e-6);
        b.AddLink("b", "d1", 5e9, 1e-6);
        return b.Build();
    }

    [Theory]
    [InlineData(10e9)]
    [InlineData(20e9)]
    [InlineData(80e9)]
    public void FasterFirstHop_AboveTheOnwardCapacity_KeepsTheFlowAtItsMaxFlow(double firstLinkBw)
    {
        SimulationResult r = new NetworkSimulator(TwoSwitches(firstLinkBw)).Run([new Flow(0, 0, 1, 1e8)]);
        Rel(1e8 / 10e9, r.Flows[0].TransmitEndSeconds);
    }

    [Fact]
    public void HalvingADoubledDeviceLink_NeverSpeedsAFlowUp()
    {
        SystemSpec s = TwoSwitches(20e9);
        string link = s.Links.Single(l => l.From == "d0" && l.To == "a").Id;
        double healthy = new NetworkSimulator(s).Run([new Flow(0, 0, 1, 1e8)]).TotalSeconds;
        double degraded = new NetworkSimulator(s, [Fault.DegradeLink(link, 0.5)]).Run([new Flow(0, 0, 1, 1e8)]).TotalSeconds;
        Assert.True(degraded >= healthy, $"degraded {degraded:R} s < healthy {healthy:R} s");
    }

    [Fact]
    public void OneLinkOfTheReceivingNpuDown_OnCloudMatrix384_ReroutesAsAtTheSender()
    {
        // Node 0's NPU 0 sends 1 GB to node 1's NPU 0. Each NPU has 2 x 28 GB/s links into each of the 7 planes;
        // with one of the 14 down at either end, the flow's max flow is 13 x 28 = 364 GB/s (2.747 ms).
        SystemSpec s = Systems.CloudMatrix384();
        const double bytes = 1e9;
        string sender = s.Links.First(l => l.From == "n0.npu0" && l.To == "n0.l1p3").Id;
        string receiver = s.Links.First(l => l.From == "n1.npu0" && l.To == "n1.l1p3").Id;
        int from = s.VertexIndex("n0.npu0"), to = s.VertexIndex("n1.npu0");
        double Transmit(Fault f) => new NetworkSimulator(s, [f]).Run([new Flow(0, from, to, bytes)]).Flows[0].TransmitEndSeconds;
        Rel(bytes / (13 * 28e9), Transmit(Fault.LinkDown(sender)));
        Rel(bytes / (13 * 28e9), Transmit(Fault.LinkDown(receiver)));
    }
}
