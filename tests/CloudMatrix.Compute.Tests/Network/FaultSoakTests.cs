using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Topology;
using Xunit.Abstractions;
using CollectiveApi = CloudMatrix.Compute.Collectives.Collectives;

namespace CloudMatrix.Compute.Tests.Network;

/// <summary>
/// Random fault sets on CloudMatrix384 under every collective and algorithm: the data is never wrong (checked against
/// an exact reference: small integers sum exactly in FP32), a collective that cannot route fails with an unreachable
/// error naming both devices, and a fault never makes a collective faster than without it.
/// </summary>
public class FaultSoakTests(ITestOutputHelper output)
{
    private static readonly SystemSpec Cm384 = Systems.CloudMatrix384();

    private static CollectiveFabric Fabric(IReadOnlyList<Fault>? faults)
    {
        var fabric = new CollectiveFabric(Cm384.Name, [.. Cm384.Devices.Select(d => d.NodeIndex)], new NetworkSimulatorAdapter(Cm384, faults),
            new DeviceReduceModel(Cm384.Npu.VectorFlopsPerSecond, Cm384.Npu.HbmBytesPerSecond))
        {
            Costs = Cm384.Communication,
            SupernodeOfDevice = [.. Cm384.Devices.Select(d => d.SupernodeIndex)],
        };
        return fabric;
    }

    private static List<Fault> RandomFaults(Random rng)
    {
        var faults = new List<Fault>();
        if (rng.Next(8) == 0)
        {
            // Every plane down: no route between nodes, so the unreachable path is soaked too.
            faults.AddRange(Enumerable.Range(0, 7).Select(Fault.PlaneDown));
            return faults;
        }

        for (int n = 1 + rng.Next(6); n > 0; n--)
        {
            LinkSpec link = Cm384.Links[rng.Next(Cm384.Links.Count)];
            SwitchSpec sw = Cm384.Switches[rng.Next(Cm384.Switches.Count)];
            double factor = 0.05 + (0.9 * rng.NextDouble());
            faults.Add(rng.Next(6) switch
            {
                0 => Fault.LinkDown(link.Id),
                1 => Fault.DegradeLink(link.Id, factor),
                2 => Fault.SwitchDown(sw.Id),
                3 => Fault.DegradeSwitch(sw.Id, factor),
                4 => Fault.DegradePlane(rng.Next(7), factor),
                _ => link.Medium == LinkMedium.Optical ? Fault.TransceiverDown(link.Id) : Fault.LinkDown(link.Id),
            });
        }

        return faults;
    }

    /// <summary>Runs one random case; returns whether it was unreachable.</summary>
    private static bool OneCase(int seed)
    {
        var rng = new Random(seed);
        CollectiveOperation[] operations = Enum.GetValues<CollectiveOperation>();
        CollectiveOperation op = operations[rng.Next(operations.Length)];
        int ranks = op == CollectiveOperation.SendReceive ? 2 : 2 + rng.Next(7);
        int[] group = [.. Enumerable.Range(0, Cm384.DeviceCount).OrderBy(_ => rng.Next()).Take(ranks)];
        // Hierarchical needs as many members on every node.
        bool even = group.GroupBy(d => Cm384.Devices[d].NodeIndex).Select(g => g.Count()).Distinct().Count() == 1;
        CollectiveAlgorithm[] algorithms = [.. CollectiveApi.SupportedAlgorithms(Cm384, op).Where(a => even || a != CollectiveAlgorithm.Hierarchical)];
        CollectiveAlgorithm algorithm = algorithms[rng.Next(algorithms.Length)];
        int length = ranks * (1 + rng.Next(16));
        float[][] inputs = [.. Enumerable.Range(0, ranks).Select(_ => Enumerable.Range(0, length).Select(_ => (float)rng.Next(-8, 9)).ToArray())];
        var options = new CollectiveOptions { Group = group };
        List<Fault> faults = RandomFaults(rng);
        string what = $"seed {seed}: {op} {algorithm} on [{string.Join(",", group)}] with {string.Join("; ", faults.Select(f => $"{f.Kind}:{f.Target}@{f.BandwidthFactor}"))}";

        CollectiveResult<float> healthy = CollectiveApi.Run(Fabric(null), op, Copy(inputs), algorithm, options);
        CollectiveResult<float> faulty;
        try
        {
            faulty = CollectiveApi.Run(Fabric(faults), op, Copy(inputs), algorithm, options);
        }
        catch (NetworkUnreachableException ex)
        {
            Assert.Contains($"'{ex.SourceId}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"'{ex.DestinationId}'", ex.Message, StringComparison.Ordinal);
            Assert.True(Cm384.ContainsId(ex.SourceId) && Cm384.ContainsId(ex.DestinationId), what);
            return true;
        }

        // Faults move no data: the outputs are the fault-free ones, bit for bit, and those are exact.
        for (int r = 0; r < ranks; r++)
        {
            Assert.True(healthy.Outputs[r].AsSpan().SequenceEqual(faulty.Outputs[r]), what + $": rank {r} differs from the fault-free run");
        }

        if (op == CollectiveOperation.AllReduce)
        {
            for (int i = 0; i < length; i++)
            {
                float sum = 0;
                foreach (float[] x in inputs) sum += x[i];
                foreach (float[] o in faulty.Outputs) Assert.True(o[i] == sum, what + $": element {i} is {o[i]}, expected {sum}");
            }
        }

        Assert.Equal(0, CollectiveVerification.CountWrong(op, 0, inputs, faulty.Outputs, 0));
        double t0 = healthy.Timing.SimulatedSeconds, t1 = faulty.Timing.SimulatedSeconds;
        Assert.True(t1 >= t0 * (1 - 1e-12), what + $": {t1:R} s with faults < {t0:R} s without");
        return false;
    }

    private static float[][] Copy(float[][] inputs) => [.. inputs.Select(x => (float[])x.Clone())];

    private void Soak(int cases)
    {
        int unreachable = 0;
        for (int seed = 1; seed <= cases; seed++)
        {
            if (OneCase(seed)) unreachable++;
        }

        output.WriteLine($"fault soak: {cases} cases ({unreachable} unreachable), 0 violations");
    }

    [Fact]
    public void RandomFaults_NeverGiveWrongDataOrAFasterCollective() => Soak(40);

    [HeavyFact]
    public void RandomFaults_NeverGiveWrongDataOrAFasterCollective_Heavy() => Soak(2000);
}
