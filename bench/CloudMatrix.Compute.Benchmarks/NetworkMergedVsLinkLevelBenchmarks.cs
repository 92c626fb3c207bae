using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CloudMatrix.Compute.Network;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Benchmarks;

/// <summary>
/// The 147,072-flow all-to-all on one CloudMatrix384: merged symmetric switch groups (the default) against the
/// link-level graph (every L1-L2 link its own resource, 238 resources per inter-node flow) in the same run. Both
/// give the same simulated times (a test checks it).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class NetworkMergedVsLinkLevelBenchmarks
{
    private SystemSpec _system = null!;
    private List<Flow> _flows = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = Systems.CloudMatrix384();
        _flows = NetworkAllToAllBenchmarks.AllToAll(_system.DeviceCount, 1e6);
    }

    [Benchmark(Baseline = true)]
    public double LinkLevel() => new NetworkSimulator(_system) { AggregateSymmetricSwitches = false }.Run(_flows).TotalSeconds;

    [Benchmark]
    public double Merged() => new NetworkSimulator(_system).Run(_flows).TotalSeconds;
}
