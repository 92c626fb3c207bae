// ShardingStrategies: every strategy of Strategy.All on one BF16 product, each on a mesh where it applies, run on real
// data, verified against FP64 and timed on the modelled CloudMatrix384, side by side.
// Run: dotnet run -c Release --project samples/ShardingStrategies
using System.Diagnostics;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Topology;

const int m = 1024, n = 1024, k = 1024;
SystemSpec system = Systems.CloudMatrix384();

// 64 of the 384 NPUs (nodes 0-7), arranged as each strategy needs: 2-D for most, a square for Cannon,
// q x q x c for 2.5-D and a cube for 3-D.
int[] devices = [.. Enumerable.Range(0, 64)];
DeviceMesh flat = DeviceMesh.Create(system, [("dp", 8), ("tp", 8)], devices);
DeviceMesh square = DeviceMesh.Create(system, [("x", 8), ("y", 8)], devices);
DeviceMesh cube = DeviceMesh.Create(system, [("x", 4), ("y", 4), ("z", 4)], devices);
DeviceMesh MeshFor(Strategy s) =>
    s == Strategy.Summa || s == Strategy.Cannon ? square
    : s == Strategy.TwoPointFiveD || s == Strategy.ThreeD ? cube
    : flat;

DenseTensor<BFloat16> a = DenseTensor.Random<BFloat16>([m, k], seed: 1);
DenseTensor<BFloat16> b = DenseTensor.Random<BFloat16>([k, n], seed: 2);
using ComputeBackend backend = ComputeBackend.Create("cpu-simd");

Console.WriteLine($"C = A·B, {m} x {n} x {k} BF16, on 64 NPUs of {system.Name}; real data on {backend.Name}, times simulated");
Console.WriteLine($"{"strategy",-18} {"mesh",-14} {"simulated",10} {"compute",9} {"exposed",9} {"sent/dev",10} {"mem/dev",10} {"max rel err",11}  verified  host");
bool allVerified = true;
foreach (Strategy strategy in Strategy.All)
{
    DeviceMesh mesh = MeshFor(strategy);
    MatMulPlan plan = MatMul.Plan(mesh, m, n, k, strategy);
    var clock = Stopwatch.StartNew();
    using MatMulRun run = plan.Execute(a, b, backend, new ExecuteOptions { SpotCheckTiles = 16 });
    RunReport r = run.Report;
    allVerified &= r.Verified;
    Console.WriteLine(
        $"{strategy.Name,-18} {mesh.ToSpecString(),-14} {r.SimulatedSeconds * 1e6,7:F1} us {r.ComputeSeconds * 1e6,6:F1} us {r.ExposedCommSeconds * 1e6,6:F1} us " +
        $"{ByteSize.Format(r.BytesPerDevice),10} {ByteSize.Format(r.MemoryPerDeviceBytes),10} {r.Numerics?.MaxRelError ?? double.NaN,11:E2}  {(r.Verified ? "yes" : "NO"),-8}  {clock.Elapsed.TotalSeconds:F2} s");
}

Console.WriteLine(allVerified ? "every strategy verified against FP64" : "a strategy FAILED verification");
return allVerified ? 0 : 1;
