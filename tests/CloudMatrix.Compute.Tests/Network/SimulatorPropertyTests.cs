using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;
using CsCheck;

namespace CloudMatrix.Compute.Tests.Network;

public class SimulatorPropertyTests
{
    private static readonly Lazy<SystemSpec> Cm384 = new(() => Systems.CloudMatrix384());
    private static readonly Lazy<SystemSpec> Cm384Die = new(() => Systems.CloudMatrix384(DeviceGranularity.Die));
    private static readonly Lazy<SystemSpec> Cm384x2 = new(() => Systems.CloudMatrix384Cluster(2));
    private static readonly Lazy<SystemSpec> Torus = new(() => TopologyBuilder.Torus([4, 3], 50e9, 0.3e-6));

    private static SystemSpec Pick(int which) => which switch
    {
        0 => Cm384.Value,
        1 => Cm384Die.Value,
        2 => Cm384x2.Value,
        3 => Torus.Value,
        _ => Systems.Gb200Nvl72(),
    };

    /// <summary>Random flows: sizes over 6 decades, some local copies, dependencies on earlier flows, delays.</summary>
    internal static List<Flow> RandomFlows(Random rng, int devices, int count)
    {
        var flows = new List<Flow>(count);
        for (int i = 0; i < count; i++)
        {
            int src = rng.Next(devices);
            int dst = rng.Next(20) == 0 ? src : rng.Next(devices);
            double bytes = rng.Next(15) == 0 ? 0 : Math.Pow(10, 3 + 6 * rng.NextDouble());
            int[] deps = i > 0 && rng.Next(3) == 0
                ? Enumerable.Range(0, 1 + rng.Next(3)).Select(_ => 1000 + rng.Next(i)).Distinct().ToArray()
                : [];
            flows.Add(new Flow(1000 + i, src, dst, bytes)
            {
                DependsOn = deps,
                DelaySeconds = rng.Next(4) == 0 ? rng.NextDouble() * 1e-5 : 0,
                Tag = "f" + i,
            });
        }

        return flows;
    }

    [Fact]
    public void BytesAreConserved_OnEveryLinkAndSwitch()
    {
        Gen.Int[0, 4].Select(Gen.Int).Sample(t =>
        {
            var (which, seed) = t;
            SystemSpec s = Pick(which);
            var rng = new Random(seed);
            List<Flow> flows = RandomFlows(rng, s.DeviceCount, 60);
            SimulationResult r = new NetworkSimulator(s).Run(flows);
            var inBytes = new double[s.DeviceCount + s.Switches.Count];
            var outBytes = new double[inBytes.Length];
            double magnitude = 0;
            foreach (LinkUsage l in r.Links)
            {
                outBytes[s.VertexIndex(l.From)] += l.Bytes;
                inBytes[s.VertexIndex(l.To)] += l.Bytes;
                magnitude = Math.Max(magnitude, l.Bytes);
            }

            var net = new double[s.DeviceCount];
            foreach (Flow f in flows.Where(f => f.Source != f.Destination))
            {
                net[f.Source] += f.Bytes;
                net[f.Destination] -= f.Bytes;
            }

            double tol = 1e-9 * Math.Max(1, magnitude);
            for (int v = 0; v < inBytes.Length; v++)
            {
                double expected = v < s.DeviceCount ? net[v] : 0;
                Assert.True(Math.Abs(outBytes[v] - inBytes[v] - expected) <= tol,
                    $"{s.VertexId(v)}: out {outBytes[v]:R} - in {inBytes[v]:R} != {expected:R}");
            }

            // Every flow starts no earlier than its dependencies finish plus its delay, and takes at least its latency.
            var finish = r.Flows.ToDictionary(x => x.Id, x => x.FinishSeconds);
            for (int i = 0; i < flows.Count; i++)
            {
                double ready = flows[i].DependsOn.Select(d => finish[d]).DefaultIfEmpty(0).Max() + flows[i].DelaySeconds;
                Assert.True(Math.Abs(r.StartSeconds[i] - ready) <= 1e-9 * Math.Max(ready, 1e-12), $"flow {i} started at {r.StartSeconds[i]:R}, ready at {ready:R}");
                Assert.True(r.FinishSeconds[i] >= r.StartSeconds[i] + r.Flows[i].PathLatencySeconds - 1e-15);
            }

            Assert.Equal(r.FinishSeconds.Max(), r.TotalSeconds);
        }, iter: 12, threads: 1);
    }

    [Fact]
    public void MergedSymmetricSwitches_GiveTheSameResultsAsTheLinkLevelGraph()
    {
        Gen.Int[0, 4].Select(Gen.Int).Sample(t =>
        {
            var (which, seed) = t;
            SystemSpec s = Pick(which);
            List<Flow> flows = RandomFlows(new Random(seed), s.DeviceCount, 80);
            var merged = new NetworkSimulator(s);
            var linkLevel = new NetworkSimulator(s) { AggregateSymmetricSwitches = false };
            Assert.True(merged.Graph.BundleCount < linkLevel.Graph.BundleCount || which == 3);
            SimulationResult a = merged.Run(flows);
            SimulationResult b = linkLevel.Run(flows);
            for (int i = 0; i < flows.Count; i++)
            {
                Close(b.Flows[i].StartSeconds, a.Flows[i].StartSeconds);
                Close(b.Flows[i].FinishSeconds, a.Flows[i].FinishSeconds);
                Close(b.Flows[i].PathLatencySeconds, a.Flows[i].PathLatencySeconds);
            }

            double scale = b.Links.Max(l => l.Bytes);
            for (int i = 0; i < a.Links.Count; i++)
            {
                Assert.True(Math.Abs(a.Links[i].Bytes - b.Links[i].Bytes) <= 1e-9 * scale, $"{a.Links[i].LinkId}: {a.Links[i].Bytes:R} vs {b.Links[i].Bytes:R}");
                Assert.True(Math.Abs(a.Links[i].BusySeconds - b.Links[i].BusySeconds) <= 1e-9 * b.TotalSeconds, $"{a.Links[i].LinkId} busy");
            }
        }, iter: 6, threads: 1);

        static void Close(double expected, double actual) =>
            Assert.True(Math.Abs(actual - expected) <= 1e-9 * Math.Abs(expected) + 1e-18, $"expected {expected:R}, was {actual:R}");
    }

    [Fact]
    public void IncrementalReallocation_AfterFlowsEnd_EqualsAFullProgressiveFilling()
    {
        // Random sizes make every end its own event: the partial re-fill after each end must give the same
        // allocation as re-filling everything.
        Gen.Int[0, 4].Select(Gen.Int, Gen.Int[20, 400]).Sample(t =>
        {
            var (which, seed, count) = t;
            SystemSpec s = Pick(which);
            var rng = new Random(seed);
            List<Flow> flows = rng.Next(2) == 0
                ? RandomFlows(rng, s.DeviceCount, count)
                : Enumerable.Range(0, count).Select(i => new Flow(i, rng.Next(s.DeviceCount), rng.Next(s.DeviceCount), 1e6 * (0.5 + rng.NextDouble()))).ToList();
            SimulationResult fast = new NetworkSimulator(s).Run(flows);
            SimulationResult reference = new NetworkSimulator(s) { FullAllocationOnly = true }.Run(flows);
            for (int i = 0; i < flows.Count; i++)
            {
                Assert.True(Math.Abs(fast.FinishSeconds[i] - reference.FinishSeconds[i]) <= 1e-9 * reference.FinishSeconds[i] + 1e-18,
                    $"flow {i}: {fast.FinishSeconds[i]:R} vs {reference.FinishSeconds[i]:R}");
                Assert.True(Math.Abs(fast.StartSeconds[i] - reference.StartSeconds[i]) <= 1e-9 * reference.StartSeconds[i] + 1e-18);
            }

            for (int i = 0; i < fast.Links.Count; i++)
            {
                Assert.True(Math.Abs(fast.Links[i].BusySeconds - reference.Links[i].BusySeconds) <= 1e-9 * reference.TotalSeconds, fast.Links[i].LinkId);
            }
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void SymmetryCheck_KeepsAnInequitableGroupAsSeparateSwitches()
    {
        // Two switches claim one group, but only one of them links to device 2: merging them would be wrong.
        var b = new TopologyBuilder("lopsided", TopologyBuilder.IdealNpu);
        var chip = new SwitchChipSpec("c", 8, 10e9);
        b.AddSwitch(new SwitchSpec("s0", "x", chip, -1, 0, -1, "g"));
        b.AddSwitch(new SwitchSpec("s1", "x", chip, -1, 0, -1, "g"));
        for (int i = 0; i < 3; i++)
        {
            b.AddDevice("d" + i, node: i);
        }

        b.AddLink("d0", "s0", 10e9, 1e-6);
        b.AddLink("d0", "s1", 10e9, 1e-6);
        b.AddLink("d1", "s0", 10e9, 1e-6);
        b.AddLink("d1", "s1", 10e9, 1e-6);
        b.AddLink("d2", "s0", 10e9, 1e-6);
        var sim = new NetworkSimulator(b.Build());
        Assert.Equal(5, sim.Graph.VertexCount);
        // d0 -> d1 uses both switches (20 GB/s); d0 -> d2 only s0 (10 GB/s).
        SimulationResult r = sim.Run([new Flow(0, 0, 1, 2e9), new Flow(1, 0, 2, 1e9) { DependsOn = [0] }]);
        Assert.Equal(2e9 / 20e9, r.Flows[0].TransmitEndSeconds, 12);
        Assert.Equal(1e9 / 10e9, r.Flows[1].TransmitEndSeconds - r.Flows[1].StartSeconds, 12);
    }

    [Fact]
    public void SymmetricAllToAll_OnCloudMatrix384_IsBoundByEachNpusLinks()
    {
        // 384 x 383 flows of 1 MB: every NPU sends 383 MB over 392 GB/s; node uplinks (3,136 GB/s) carry
        // 8 x 376 MB in the same time, below their capacity. All flows end together, after one allocation.
        SystemSpec s = Cm384.Value;
        var flows = new List<Flow>(384 * 383);
        for (int a = 0; a < 384; a++)
        {
            for (int b = 0; b < 384; b++)
            {
                if (a != b)
                {
                    flows.Add(new Flow(flows.Count, a, b, 1e6));
                }
            }
        }

        SimulationResult r = new NetworkSimulator(s).Run(flows);
        Assert.Equal(1, r.Epochs);
        Assert.Equal(383e6 / 392e9 + 2 * 0.65e-6 + 2 * 0.4e-6, r.TotalSeconds, 15);
        double uplinkBytes = r.Links.Where(l => l.From == "n0.l1p0" && l.To.StartsWith("l2", StringComparison.Ordinal)).Sum(l => l.Bytes);
        Assert.Equal(8 * 376e6 / 7, uplinkBytes, 3);
    }
}
