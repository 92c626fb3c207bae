using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Tests.Collectives;

using Collectives = CloudMatrix.Compute.Collectives.Collective;

/// <summary><see cref="CollectiveOptions.Faults"/>: the collective is timed on the system with the faults applied.</summary>
public class CollectiveFaultTests
{
    private const double B = 50e9;
    private const double Alpha = 2e-6;   // two hops of 1 us

    [Fact]
    public void SendReceive_OverADegradedPort_TakesItsClosedForm()
    {
        // d0 -> d1 over one switch: alpha + S / B healthy, alpha + S / (B/4) with d0's port at a quarter.
        SystemSpec s = CollectiveClosedFormTests.IdealSystem(4, 1);
        const long elements = 1 << 20;
        const double bytes = elements * 4.0;
        string port = s.Links.Single(l => l.From == "d0").Id;
        var healthy = new CollectiveOptions { Group = [0, 1] };
        var faulty = healthy with { Faults = [Fault.DegradeLink(port, 0.25)] };
        double t0 = Collectives.Estimate(s, CollectiveOperation.SendReceive, elements, CollectiveDataType.Fp32, CollectiveAlgorithm.Direct, healthy).SimulatedSeconds;
        double t1 = Collectives.Estimate(s, CollectiveOperation.SendReceive, elements, CollectiveDataType.Fp32, CollectiveAlgorithm.Direct, faulty).SimulatedSeconds;
        Assert.Equal(Alpha + bytes / B, t0, 1e-15);
        Assert.Equal(Alpha + bytes / (B / 4), t1, 1e-15);
    }

    [Fact]
    public void Run_WithFaults_GivesTheFaultFreeData_AndNoEarlierTime()
    {
        SystemSpec s = Systems.CloudMatrix384();
        float[][] inputs = [.. Enumerable.Range(0, 16).Select(r => Enumerable.Range(0, 4096).Select(i => (float)((r * 7 + i) % 11 - 5)).ToArray())];
        var healthy = new CollectiveOptions { Group = [.. Enumerable.Range(0, 16)] };
        var faulty = healthy with { Faults = [Fault.PlaneDown(2), Fault.DegradePlane(5, 0.3)] };
        CollectiveResult<float> a = Collectives.Run(s, CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, healthy);
        CollectiveResult<float> b = Collectives.Run(s, CollectiveOperation.AllReduce, inputs, CollectiveAlgorithm.Ring, faulty);
        for (int r = 0; r < 16; r++)
        {
            Assert.True(a.Outputs[r].AsSpan().SequenceEqual(b.Outputs[r]));
        }

        // Large enough to be bandwidth-bound: each NPU keeps 6 planes of 7, one of them at 0.3, so at most
        // 5.3/7 of its bandwidth, and the time grows at least in that ratio on the bandwidth part.
        double t0 = Collectives.Estimate(s, CollectiveOperation.AllReduce, 1 << 26, CollectiveDataType.Bf16, CollectiveAlgorithm.Ring, healthy).SimulatedSeconds;
        double t1 = Collectives.Estimate(s, CollectiveOperation.AllReduce, 1 << 26, CollectiveDataType.Bf16, CollectiveAlgorithm.Ring, faulty).SimulatedSeconds;
        Assert.True(b.Timing.SimulatedSeconds >= a.Timing.SimulatedSeconds);
        Assert.True(t1 >= t0 * 7 / 5.3 * 0.95, $"{t1:R} s faulty vs {t0:R} s healthy");
    }

    [Fact]
    public void AMemberCutOff_IsUnreachable_NamingBothDevices()
    {
        SystemSpec s = CollectiveClosedFormTests.IdealSystem(4, 1);
        string port = s.Links.Single(l => l.From == "d2").Id;
        var options = new CollectiveOptions { Faults = [Fault.LinkDown(port)] };
        foreach (CollectiveAlgorithm algorithm in new[] { CollectiveAlgorithm.Ring, CollectiveAlgorithm.Auto })
        {
            var ex = Assert.Throws<NetworkUnreachableException>(() =>
                Collectives.Estimate(s, CollectiveOperation.AllGather, 1024, CollectiveDataType.Fp32, algorithm, options));
            Assert.True(ex.SourceId == "d2" || ex.DestinationId == "d2", ex.Message);
            Assert.Contains($"'{ex.SourceId}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"'{ex.DestinationId}'", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnknownFaultTarget_IsRefused_NamingIt()
    {
        SystemSpec s = CollectiveClosedFormTests.IdealSystem(4, 1);
        var options = new CollectiveOptions { Faults = [Fault.LinkDown("no-such-link")] };
        var ex = Assert.Throws<ArgumentException>(() => Collectives.Estimate(s, CollectiveOperation.AllReduce, 1024, CollectiveDataType.Fp32, CollectiveAlgorithm.Ring, options));
        Assert.Contains("no-such-link", ex.Message, StringComparison.Ordinal);
    }
}
