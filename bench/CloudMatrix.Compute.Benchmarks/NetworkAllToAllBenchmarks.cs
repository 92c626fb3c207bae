using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Benchmarks;

/// <summary>
/// Host time to simulate an all-to-all (every device sends 1 MB to every other) on 1, 2, 4 and 8 CloudMatrix384
/// supernodes joined over RDMA: F = N(N-1) flows for N = 384 x supernodes, so F grows about 4x per step.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class NetworkAllToAllBenchmarks
{
    private SystemSpec _system = null!;
    private List<Flow> _flows = null!;

    /// <summary>Supernodes joined over RDMA.</summary>
    [Params(1, 2, 4, 8)]
    public int Supernodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = Supernodes == 1 ? Systems.CloudMatrix384() : Systems.CloudMatrix384Cluster(Supernodes);
        _flows = AllToAll(_system.DeviceCount, 1e6);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _flows = null!;
        GC.Collect();
    }

    /// <summary>Flows simulated (for the README's F log F check).</summary>
    public int FlowCount => _flows.Count;

    [Benchmark]
    public double AllToAll() => new NetworkSimulator(_system).Run(_flows).TotalSeconds;

    internal static List<Flow> AllToAll(int devices, double bytes)
    {
        var flows = new List<Flow>(devices * (devices - 1));
        for (int a = 0; a < devices; a++)
        {
            for (int b = 0; b < devices; b++)
            {
                if (a != b)
                {
                    flows.Add(new Flow(flows.Count, a, b, bytes));
                }
            }
        }

        return flows;
    }
}
