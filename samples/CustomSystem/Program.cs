// CustomSystem: a machine of your own from a topology file (cmx-topology JSON, see docs/topology-format.md), then
// the planner and a collective sweep on it. The file next to this program, torus-4x4.json, is a 4 x 4 torus of
// 16 devices (100 GB/s links, 1 us hops) written by `cmx topology --torus 4x4 --link-gbps 100 --latency-us 1 --out torus-4x4.json`;
// pass another file as the first argument.
// Run: dotnet run -c Release --project samples/CustomSystem [-- FILE]
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "torus-4x4.json");
SystemSpec system = TopologyFile.Load(path);
SystemSummary summary = system.Summarize();
Console.WriteLine($"{system.Name} from {Path.GetFileName(path)}: {summary.Devices} devices, {summary.Bf16Pflops:F1} PFLOPS BF16, {summary.Links} links, bisection {summary.BisectionTbps:F2} TB/s");

// The planner on it: which sharding of a 2048^3 BF16 product is fastest on this machine.
PlanRanking ranking = Planner.Rank(system, 2048, 2048, 2048);
Console.WriteLine($"planner: {ranking.Candidates.Count} feasible candidates in {ranking.HostSeconds:F2} s of host time; top 3:");
foreach (PlanCandidate c in ranking.Candidates.Take(3))
{
    Console.WriteLine($"  {c.Strategy,-18} {c.Mesh,-14} {c.SimulatedSeconds * 1e6,8:F1} us (exposed communication {c.Estimate.ExposedCommSeconds * 1e6:F1} us)");
}

Console.WriteLine($"  why: {ranking.Why}");

// An all-reduce sweep over every device, each supported algorithm timed on this topology.
IReadOnlyList<CollectiveAlgorithm> algorithms = Collective.SupportedAlgorithms(system, CollectiveOperation.AllReduce);
Console.WriteLine($"all-reduce over {system.DeviceCount} devices, bus bandwidth in GB/s:");
Console.WriteLine($"  {"size",9} " + string.Join(" ", algorithms.Select(a => $"{Collective.Name(a),18}")) + "  auto picks");
for (long bytes = 1 << 10; bytes <= 1L << 30; bytes <<= 4)
{
    long elements = bytes / Collective.ElementBytes(CollectiveDataType.Bf16);
    var cells = algorithms.Select(a => Collective.Estimate(system, CollectiveOperation.AllReduce, elements, CollectiveDataType.Bf16, a).BusBandwidthGBps);
    CollectiveTiming auto = Collective.Estimate(system, CollectiveOperation.AllReduce, elements, CollectiveDataType.Bf16);
    Console.WriteLine($"  {ByteSize.FormatBinary(bytes),9} " + string.Join(" ", cells.Select(v => $"{v,18:F1}")) + $"  {Collective.Name(auto.Algorithm)}");
}

return 0;
