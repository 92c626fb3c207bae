using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Network;

public class FaultTests
{
    private const double Link = 28e9;           // one UB link, bytes/s
    private const double Bytes = 1e9;

    private static void Rel(double expected, double actual, double tolerance = 1e-9) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, was {actual:R}");

    /// <summary>All 8 NPUs of node 0 send to the 8 NPUs of node 1; returns the node's aggregate rate, bytes/s.</summary>
    private static double NodeToNodeRate(SystemSpec s, params Fault[] faults)
    {
        var flows = Enumerable.Range(0, 8).Select(j => new Flow(j, j, 8 + j, Bytes)).ToList();
        SimulationResult r = new NetworkSimulator(s, faults).Run(flows);
        double end = r.Flows.Max(f => f.TransmitEndSeconds);
        return 8 * Bytes / end;
    }

    [Fact]
    public void FailedL1L2Link_LimitsTheNode_ThroughItsPlane()
    {
        // Each NPU's flow is split as it would run alone, at its max flow of 392 GB/s: 1/7 through every plane (its
        // own links are its bottleneck). So plane 2's 15 working uplinks carry 8/7 of one NPU's rate and cap it at
        // 15 x 28 x 7/8 = 367.5 GB/s: 2,940 GB/s for the node, not the 3,108 GB/s an adaptive split would reach.
        SystemSpec s = Systems.CloudMatrix384();
        string link = s.Links.Single(l => l.From == "n0.l1p2" && l.To == "l2p2c5").Id;
        double healthy = NodeToNodeRate(s);
        double faulty = NodeToNodeRate(s, Fault.LinkDown(link));
        Rel(8 * 392e9, healthy);                // 112 uplinks x 28 GB/s = 8 NPUs x 392 GB/s
        Rel(7 * 15 * Link, faulty);
    }

    [Fact]
    public void FailedTransceiver_TakesItsOpticalLinkDown()
    {
        SystemSpec s = Systems.CloudMatrix384();
        string link = s.Links.Single(l => l.From == "n0.l1p4" && l.To == "l2p4c0").Id;
        Rel(7 * 15 * Link, NodeToNodeRate(s, Fault.TransceiverDown(link)));   // as a failed link (above)
        string electrical = s.Links.First(l => l.Medium == LinkMedium.Electrical).Id;
        var ex = Assert.Throws<ArgumentException>(() => new NetworkSimulator(s, [Fault.TransceiverDown(electrical)]));
        Assert.Contains(electrical, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FailedL2Chip_Reroutes_OverTheOther111()
    {
        SystemSpec s = Systems.CloudMatrix384();
        var sim = new NetworkSimulator(s, [Fault.SwitchDown("l2p3c7")]);
        SimulationResult r = sim.Run([new Flow(0, 0, 8, Bytes)]);   // node 0 -> node 1
        var up = r.Links.Where(l => l.From.StartsWith("n0.l1", StringComparison.Ordinal) && l.To.StartsWith("l2", StringComparison.Ordinal)).ToList();
        Assert.Equal(112, up.Count);
        foreach (LinkUsage l in up)
        {
            if (l.To == "l2p3c7")
            {
                Assert.Equal(0, l.Bytes);
            }
            else
            {
                // 1/7 of the flow per plane (the NPU's own links are its bottleneck), spread over the plane's working chips.
                Rel(Bytes / 7 / (l.To.StartsWith("l2p3", StringComparison.Ordinal) ? 15 : 16), l.Bytes);
            }
        }

        // 15 uplinks of 28 GB/s still carry plane 3's 56 GB/s: the flow keeps the NPU's full 392 GB/s.
        Rel(Bytes / 392e9, r.Flows[0].TransmitEndSeconds);
        Assert.True(r.Links.Where(l => l.From == "l2p3c7" || l.To == "l2p3c7").All(l => l.Bytes == 0));
    }

    [Fact]
    public void PlaneDown_LeavesSixSeventhsOfAnNpusBandwidth()
    {
        SystemSpec s = Systems.CloudMatrix384();
        var sim = new NetworkSimulator(s, [Fault.PlaneDown(0)]);
        SimulationResult r = sim.Run([new Flow(0, 0, 1, Bytes), new Flow(1, 16, 40, Bytes)]);
        Rel(Bytes / (12 * Link) + 2 * 0.65e-6, r.Flows[0].FinishSeconds);                  // intra-node
        Rel(Bytes / (12 * Link) + 2 * 0.65e-6 + 2 * 0.4e-6, r.Flows[1].FinishSeconds);     // inter-node
        Assert.True(r.Links.Where(l => l.To.EndsWith(".l1p0", StringComparison.Ordinal)).All(l => l.Bytes == 0));
    }

    [Fact]
    public void DegradedDeviceLink_LowersTheNpuByTheLostBandwidth()
    {
        SystemSpec s = Systems.CloudMatrix384();
        string link = s.Links.First(l => l.From == "n0.npu0" && l.To == "n0.l1p6").Id;
        var sim = new NetworkSimulator(s, [Fault.DegradeLink(link, 0.5)]);
        SimulationResult r = sim.Run([new Flow(0, 0, 3, Bytes)]);
        Rel(Bytes / (392e9 - 14e9), r.Flows[0].TransmitEndSeconds);
    }

    [Fact]
    public void IsolatedDevice_IsReported_NamingBothEnds()
    {
        SystemSpec s = Systems.CloudMatrix384();
        Fault[] cut = s.Links.Where(l => l.From == "n2.npu5" && l.Network == LinkNetwork.ScaleUp).Select(l => Fault.LinkDown(l.Id)).ToArray();
        Assert.Equal(14, cut.Length);
        var sim = new NetworkSimulator(s, cut);
        int isolated = s.VertexIndex("n2.npu5");
        var ex = Assert.Throws<NetworkUnreachableException>(() => sim.Run([new Flow(7, 0, isolated, Bytes)]));
        Assert.Equal("n0.npu0", ex.SourceId);
        Assert.Equal("n2.npu5", ex.DestinationId);
        Assert.Contains("'n0.npu0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'n2.npu5'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(7, ex.FlowId);
        // Other pairs still work.
        Assert.True(sim.Run([new Flow(0, 0, 9, Bytes)]).TotalSeconds > 0);
    }

    [Fact]
    public void UnknownFaultTarget_IsRefused_WithTheTarget()
    {
        SystemSpec s = Systems.CloudMatrix384();
        Assert.Contains("no-such-link", Assert.Throws<ArgumentException>(() => new NetworkSimulator(s, [Fault.LinkDown("no-such-link")])).Message, StringComparison.Ordinal);
        Assert.Contains("l9", Assert.Throws<ArgumentException>(() => new NetworkSimulator(s, [Fault.SwitchDown("l9")])).Message, StringComparison.Ordinal);
        Assert.Contains("'9'", Assert.Throws<ArgumentException>(() => new NetworkSimulator(s, [Fault.PlaneDown(9)])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkSimulator(s, [Fault.DegradePlane(1, 1.5)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkSimulator(s, [Fault.DegradePlane(1, double.NaN)]));
    }
}
