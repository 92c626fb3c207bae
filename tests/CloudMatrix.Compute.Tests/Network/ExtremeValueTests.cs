using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Network;

/// <summary>Finite but extreme figures (bandwidths and delays near double's range) finish with the closed-form result.</summary>
public class ExtremeValueTests
{
    [Theory]
    [InlineData(1e308)]
    [InlineData(double.MaxValue)]
    [InlineData(1e-290)]
    public void HugeOrTinyBandwidth_FinishesWithTheClosedForm(double bandwidth)
    {
        // One switch, two devices: latency 2 x 1 us, then bytes / bandwidth.
        SystemSpec s = TopologyBuilder.SingleSwitch(3, bandwidth, 1e-6);
        SimulationResult r = new NetworkSimulator(s).Run([new Flow(0, 0, 1, 1e9), new Flow(1, 1, 2, 1e9), new Flow(2, 0, 2, 5e8) { DependsOn = [0] }]);
        double transfer = 1e9 / bandwidth;
        Assert.Equal(transfer + 2e-6, r.Flows[0].FinishSeconds, 6e-6 * 1e-9 + transfer * 1e-9);
        Assert.True(double.IsFinite(r.TotalSeconds) && r.TotalSeconds >= r.Flows[0].FinishSeconds);
    }

    [Fact]
    public void ParallelLinksOfTheLargestDouble_FinishWithTheClosedForm()
    {
        // Two parallel links of double.MaxValue B/s each way: their bundle's capacity is beyond double's range.
        var b = new TopologyBuilder("parallel", TopologyBuilder.IdealNpu);
        b.AddSwitch(new SwitchSpec("s", "x", new SwitchChipSpec("c", 8, 1e12), -1, 0, -1, null));
        b.AddDevice("d0", node: 0);
        b.AddDevice("d1", node: 1);
        foreach (string d in new[] { "d0", "d0", "d1", "d1" })
        {
            b.AddLink(d, "s", double.MaxValue, 1e-6);
        }

        SimulationResult r = new NetworkSimulator(b.Build()).Run([new Flow(0, 0, 1, 1e300), new Flow(1, 1, 0, 1e300)]);
        double expected = 1e300 / double.MaxValue / 2 + 2e-6;   // 1e300 B over 2 x MaxValue B/s, then two hops
        Assert.Equal(expected, r.Flows[0].FinishSeconds, 1e-15);
        Assert.Equal(expected, r.Flows[1].FinishSeconds, 1e-15);
    }

    [Theory]
    [InlineData(1e308)]
    [InlineData(double.MaxValue)]
    public void HugeDelay_FinishesAfterTheDelay(double delay)
    {
        SystemSpec s = TopologyBuilder.SingleSwitch(2, 10e9, 1e-6);
        SimulationResult r = new NetworkSimulator(s).Run([new Flow(0, 0, 1, 1e9) { DelaySeconds = delay }, new Flow(1, 1, 0, 1e9)]);
        Assert.Equal(delay, r.Flows[0].StartSeconds);
        Assert.True(r.Flows[0].FinishSeconds >= delay);
        Assert.Equal(0.1 + 2e-6, r.Flows[1].FinishSeconds, 1e-12);
    }

    [Fact]
    public void TimesBeyondTheRangeOfADouble_AreRefused_NamingTheFlow()
    {
        // 1e9 bytes at 1e-300 B/s take 1e309 s; two delays of 1e308 s in a chain start the second flow at 2e308 s.
        var slow = new NetworkSimulator(TopologyBuilder.SingleSwitch(2, 1e-300, 1e-6));
        var ex = Assert.Throws<ArgumentException>(() => slow.Run([new Flow(0, 0, 1, 1e9)]));
        Assert.Contains("flows[0] (id 0)", ex.Message, StringComparison.Ordinal);
        var chain = new NetworkSimulator(TopologyBuilder.SingleSwitch(2, 10e9, 1e-6));
        ex = Assert.Throws<ArgumentException>(() => chain.Run([new Flow(0, 0, 1, 1) { DelaySeconds = 1e308 }, new Flow(1, 1, 0, 1) { DelaySeconds = 1e308, DependsOn = [0] }]));
        Assert.Contains("flows[1] (id 1)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeLinkLatency_FinishesWithTheClosedForm()
    {
        SystemSpec s = TopologyBuilder.SingleSwitch(2, 10e9, 1e307);
        SimulationResult r = new NetworkSimulator(s).Run([new Flow(0, 0, 1, 1e9), new Flow(1, 1, 0, 1e9) { DependsOn = [0] }]);
        Assert.Equal(2e307, r.Flows[0].FinishSeconds, 1e295);
        Assert.True(r.Flows[1].FinishSeconds >= r.Flows[0].FinishSeconds);
    }
}
