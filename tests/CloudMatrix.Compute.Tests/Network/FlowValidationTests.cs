using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Network;

public class FlowValidationTests
{
    private static readonly NetworkSimulator Sim = new(TopologyBuilder.SingleSwitch(4, 10e9, 1e-6));

    [Fact]
    public void DuplicateIds_UnknownDependencies_AndCycles_AreRefused()
    {
        Assert.Contains("duplicate", Assert.Throws<ArgumentException>(() => Sim.Run([new Flow(5, 0, 1, 1), new Flow(5, 1, 2, 1)])).Message, StringComparison.Ordinal);
        Assert.Contains("flow id 9", Assert.Throws<ArgumentException>(() => Sim.Run([new Flow(0, 0, 1, 1) { DependsOn = [9] }])).Message, StringComparison.Ordinal);
        Assert.Contains("cycle", Assert.Throws<ArgumentException>(() => Sim.Run(
        [
            new Flow(0, 0, 1, 1) { DependsOn = [2] },
            new Flow(1, 0, 1, 1) { DependsOn = [0] },
            new Flow(2, 0, 1, 1) { DependsOn = [1] },
        ])).Message, StringComparison.Ordinal);
        Assert.Contains("itself", Assert.Throws<ArgumentException>(() => Sim.Run([new Flow(0, 0, 1, 1) { DependsOn = [0] }])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutOfRangeDevices_AndBadNumbers_AreRefused_NamingTheFlow()
    {
        Assert.Contains("flows[0].Destination", Assert.Throws<ArgumentOutOfRangeException>(() => Sim.Run([new Flow(0, 0, 4, 1)])).Message, StringComparison.Ordinal);
        Assert.Contains("flows[0].Source", Assert.Throws<ArgumentOutOfRangeException>(() => Sim.Run([new Flow(0, -1, 2, 1)])).Message, StringComparison.Ordinal);
        Assert.Contains("flows[1].Bytes", Assert.Throws<ArgumentOutOfRangeException>(() => Sim.Run([new Flow(0, 0, 1, 1), new Flow(1, 0, 1, double.NaN)])).Message, StringComparison.Ordinal);
        Assert.Contains("flows[0].Bytes", Assert.Throws<ArgumentOutOfRangeException>(() => Sim.Run([new Flow(0, 0, 1, -5)])).Message, StringComparison.Ordinal);
        Assert.Contains("DelaySeconds", Assert.Throws<ArgumentOutOfRangeException>(() => Sim.Run([new Flow(0, 0, 1, 1) { DelaySeconds = -1 }])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SparseIds_WorkLikeDenseOnes()
    {
        SimulationResult dense = Sim.Run([new Flow(0, 0, 1, 1e9), new Flow(1, 1, 2, 1e9) { DependsOn = [0] }]);
        SimulationResult sparse = Sim.Run([new Flow(70, 0, 1, 1e9), new Flow(-3, 1, 2, 1e9) { DependsOn = [70] }]);
        Assert.Equal(dense.FinishSeconds, sparse.FinishSeconds);
        Assert.Equal(-3, sparse.Flows[1].Id);
    }

    [Fact]
    public void EmptyList_TakesNoTime_AndZeroByteFlows_TakeTheirLatency()
    {
        Assert.Equal(0, Sim.Run([]).TotalSeconds);
        SimulationResult r = Sim.Run([new Flow(0, 0, 3, 0)]);
        Assert.Equal(2e-6, r.TotalSeconds, 15);
    }

    [Theory]
    [InlineData(FaultKind.Link)]
    [InlineData(FaultKind.Switch)]
    [InlineData(FaultKind.Plane)]
    public void FaultWithANullTarget_IsRefused_NamingTheFault(FaultKind kind)
    {
        // It surfaced as ArgumentNullException 'key' from a dictionary inside the fabric graph.
        var ex = Assert.Throws<ArgumentException>(() => new NetworkSimulator(TopologyBuilder.SingleSwitch(4, 10e9, 1e-6), [Fault.LinkDown("d0~switch"), new Fault(kind, null!, 0)]));
        Assert.Equal("faults", ex.ParamName);
        Assert.Contains("faults[1].Target is null", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(46_342)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void AllToAllWithMoreFlowsThanAListHolds_IsRefused_NamingDevices(int devices)
    {
        // n (n - 1) wrapped around int: the list was sized from the wrapped count and filled for minutes.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TrafficPatterns.AllToAll(devices, 1));
        Assert.Equal("devices", ex.ParamName);
        Assert.Equal(devices, ex.ActualValue);
        Assert.Contains("valid: 1..46341 devices", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrafficPatterns.Create("all-to-all", devices, 1));
    }
}
