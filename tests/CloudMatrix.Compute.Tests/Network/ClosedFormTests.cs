using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Network;

public class ClosedFormTests
{
    private static void Rel(double expected, double actual, double tolerance = 1e-9) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, was {actual:R}");

    [Fact]
    public void OneFlow_OnAnIdlePath_TakesLatencyPlusSizeOverBandwidth()
    {
        const double bw = 25e9, alpha = 1.5e-6, bytes = 3e8;
        var sim = new NetworkSimulator(TopologyBuilder.SingleSwitch(4, bw, alpha));
        SimulationResult r = sim.Run([new Flow(0, 1, 2, bytes)]);
        Rel(2 * alpha + bytes / bw, r.TotalSeconds);
        Rel(2 * alpha + bytes / bw, r.FinishSeconds[0]);
        Assert.Equal(0, r.StartSeconds[0]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void EqualFlows_SharingOneBottleneck_EachGetOneNth(int n)
    {
        // n senders into one receiver: the receiver's port is the bottleneck.
        const double bw = 10e9, alpha = 1e-6, bytes = 1e9;
        var sim = new NetworkSimulator(TopologyBuilder.SingleSwitch(n + 1, bw, alpha));
        var flows = Enumerable.Range(0, n).Select(i => new Flow(i, i + 1, 0, bytes)).ToList();
        SimulationResult r = sim.Run(flows);
        foreach (FlowTiming t in r.Flows)
        {
            Rel(bytes / (bw / n) + 2 * alpha, t.FinishSeconds);
            Rel(bytes / (bw / n), t.TransmitEndSeconds);
        }
    }

    [Fact]
    public void TwoFlows_WithDifferentBottlenecks_GetTheirMaxMinRates()
    {
        // Device 0 has a 10 GB/s port, the others 40 GB/s. Flow A: 0 -> 2, flow B: 1 -> 2.
        // Max-min: A is capped at 10 by its own port; B gets the rest of port 2: 30 GB/s.
        // When A (1 GB) ends at 0.1 s, B (6 GB) has sent 3 GB and continues alone at 40 GB/s: ends at 0.1 + 3/40.
        var b = new TopologyBuilder("two-bottlenecks", TopologyBuilder.IdealNpu);
        b.AddSwitch(new SwitchSpec("sw", "ideal", new SwitchChipSpec("ideal", 3, 40e9), -1, 0, -1, null));
        for (int i = 0; i < 3; i++)
        {
            b.AddDevice($"d{i}", node: i);
            b.AddLink($"d{i}", "sw", i == 0 ? 10e9 : 40e9, 0.5e-6);
        }

        var sim = new NetworkSimulator(b.Build());
        SimulationResult r = sim.Run([new Flow(0, 0, 2, 1e9), new Flow(1, 1, 2, 6e9)]);
        Rel(1e9 / 10e9, r.Flows[0].TransmitEndSeconds);
        Rel(1e9 / 10e9 + 1e-6, r.Flows[0].FinishSeconds);
        Rel(0.1 + 3e9 / 40e9, r.Flows[1].TransmitEndSeconds);
        Rel(0.1 + 3e9 / 40e9 + 1e-6, r.TotalSeconds);
    }

    [Fact]
    public void Dependencies_StartAfterTheFinishOfTheirInputs_PlusDelay()
    {
        const double bw = 8e9, alpha = 2e-6, bytes = 4e8, delay = 3e-6;
        var sim = new NetworkSimulator(TopologyBuilder.SingleSwitch(3, bw, alpha));
        SimulationResult r = sim.Run(
        [
            new Flow(10, 0, 1, bytes),
            new Flow(11, 1, 2, bytes) { DependsOn = [10], DelaySeconds = delay },
            new Flow(12, 2, 2, bytes) { DependsOn = [11] },   // a local copy: no network time
        ]);
        double one = bytes / bw + 2 * alpha;
        Rel(one, r.FinishSeconds[0]);
        Rel(one + delay, r.StartSeconds[1]);
        Rel(2 * one + delay, r.FinishSeconds[1]);
        Rel(2 * one + delay, r.StartSeconds[2]);
        Rel(2 * one + delay, r.FinishSeconds[2]);
    }

    [Fact]
    public void CloudMatrix384_InterNodeFlow_UsesAllFourteenLinksOfItsNpu_AndPaysFourHops()
    {
        SystemSpec s = Systems.CloudMatrix384();
        var sim = new NetworkSimulator(s);
        const double bytes = 392e6;
        SimulationResult r = sim.Run([new Flow(0, 0, 8 * 5 + 3, bytes)]);   // node 0 -> node 5
        Rel(bytes / 392e9 + 2 * 0.65e-6 + 2 * 0.4e-6, r.TotalSeconds);
        SimulationResult intra = sim.Run([new Flow(0, 0, 7, bytes)]);
        Rel(bytes / 392e9 + 2 * 0.65e-6, intra.TotalSeconds);
    }

    [Fact]
    public void JoinedSupernodes_CrossOverTheRdmaPlane_AtFourHundredGigabits()
    {
        SystemSpec s = Systems.CloudMatrix384Cluster(2);
        Assert.Equal(768, s.DeviceCount);
        var sim = new NetworkSimulator(s);
        const double bytes = 5e8;
        // s0 NPU 3 -> s1 NPU 200: device -> leaf -> spine -> leaf -> device, 400 Gb/s = 50 GB/s per NPU.
        SimulationResult r = sim.Run([new Flow(0, 3, 384 + 200, bytes)]);
        Rel(bytes / 50e9 + 4 * 2.7e-6 / 4, r.TotalSeconds);
        Assert.True(r.Links.Where(l => l.From.StartsWith("s0.n0.npu3", StringComparison.Ordinal)).Single(l => l.Bytes > 0).To == "s0.n0.rdma-leaf");
        // Inside a supernode the flow stays on the UB fabric.
        SimulationResult inside = sim.Run([new Flow(0, 384 + 3, 384 + 200, bytes)]);
        Rel(bytes / 392e9 + 2 * 0.65e-6 + 2 * 0.4e-6, inside.TotalSeconds);
        Assert.All(inside.Links.Where(l => l.Bytes > 0), l => Assert.DoesNotContain("rdma", l.To, StringComparison.Ordinal));
    }

    [Fact]
    public void Gb200Nvl72_GpuToGpu_Uses18LinksOf50GBps()
    {
        var sim = new NetworkSimulator(Systems.Gb200Nvl72());
        SimulationResult r = sim.Run([new Flow(0, 0, 71, 9e8)]);
        Rel(9e8 / 900e9 + 2 * 0.3e-6, r.TotalSeconds);
        Assert.Equal(18, r.Links.Count(l => l.From == "gpu0" && l.Bytes > 0));
    }
}
