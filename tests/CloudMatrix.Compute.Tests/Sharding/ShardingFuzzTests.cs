using System.Diagnostics;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Memory;
using CloudMatrix.Compute.Numerics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Tensors;
using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Topology;
using CsCheck;
using Xunit.Abstractions;

namespace CloudMatrix.Compute.Tests.Sharding;

/// <summary>
/// docs/errors.md for the sharding API: random calls of the public entry points (mesh constructors, spec parsing,
/// layouts, plans by strategy and by spec, estimates, small real runs) with awkward values (0, negative, 2^31 - 1,
/// empty and non-identifier names, unknown axes, invalid enum values) either succeed with results that keep their
/// invariants (shards tile the matrix, a spec reparses to itself, 2·M·N·K flops, a verified product) or throw one of
/// the documented exceptions, an <see cref="ArgumentException"/> naming a parameter of the entry point called; no case
/// hangs. Only estimates and products of at most 24^3 are run, never a large product.
/// </summary>
public class ShardingFuzzTests(ITestOutputHelper output)
{
    /// <summary>
    /// Generous: the slowest case (a plan and estimate on 384 devices) takes about a second alone, but the heavy run
    /// shares 2 cores with the other fuzz classes and once took 33 s for one such case.
    /// </summary>
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(120);

    private static readonly int[] Extremes = [int.MinValue, -1, 0, 1, 2, 3, 7, 384, 65536, 1 << 30, int.MaxValue - 1, int.MaxValue];

    private static readonly string[] Names = ["dp", "tp", "x", "y", "z", "", " ", "1x", "a b", "é", "_", "dp ", "\ud800", "None", "partial", "P", "(", "dp+tp"];

    private static readonly Lazy<SystemSpec[]> SystemsUnderTest = new(() =>
    [
        ShardingTestData.IdealSystem(1), ShardingTestData.IdealSystem(2), ShardingTestData.IdealSystem(4), ShardingTestData.IdealSystem(6),
        ShardingTestData.IdealSystem(8), ShardingTestData.IdealSystem(12), ShardingTestData.IdealSystem(16), Systems.HgxH100(),
        Systems.Gb200Nvl72(), Systems.CloudMatrix384(),
    ]);

    private static readonly Lazy<ComputeBackend> Cpu = new(() => ComputeBackend.Create("cpu-simd"));

    private static readonly CollectiveAlgorithm[] Algorithms = [.. Enum.GetValues<CollectiveAlgorithm>(), (CollectiveAlgorithm)(-1), (CollectiveAlgorithm)99];

    /// <summary>What one case calls: the entry point's name in messages and the parameter names its exceptions may give.</summary>
    private sealed class Call
    {
        public string EntryPoint { get; private set; } = "?";

        public string[] Parameters { get; private set; } = [];

        public void Is(string entryPoint, params string[] parameters) => (EntryPoint, Parameters) = (entryPoint, parameters);
    }

    internal static void OneCase(int seed)
    {
        var rng = new Random(seed);
        long start = Stopwatch.GetTimestamp();
        var call = new Call();
        try
        {
            switch (rng.Next(8))
            {
                case 0: MeshCreate(rng, call); break;
                case 1: MeshParse(rng, call); break;
                case 2: SpecParse(rng, call); break;
                case 3: SpecP(rng, call); break;
                case 4: Layout(rng, call); break;
                case 5: PlanByStrategy(rng, call); break;
                case 6: PlanBySpecs(rng, call); break;
                default: Execute(rng, call); break;
            }
        }
        catch (ArgumentException ex)
        {
            // ArgumentNullException and ArgumentOutOfRangeException included: the parameter is named.
            Assert.False(string.IsNullOrWhiteSpace(ex.Message), $"seed {seed}: {call.EntryPoint}: an empty message");
            Assert.True(ex.ParamName is not null && Array.IndexOf(call.Parameters, ex.ParamName) >= 0,
                $"seed {seed}: {call.EntryPoint} threw {ex.GetType().Name} naming parameter '{ex.ParamName}', not one of ({string.Join(", ", call.Parameters)}): {ex}");
        }
        catch (FormatException ex) when (call.EntryPoint.EndsWith(".Parse", StringComparison.Ordinal))
        {
            // The parsers' documented exception; the message quotes the text.
            Assert.Contains("'", ex.Message, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is PlanMemoryException or MemoryBudgetExceededException)
        {
            Assert.Contains("budget", ex.Message, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"seed {seed}: {call.EntryPoint}: {ex.GetType().Name} is outside the contract: {ex}");
        }

        TimeSpan took = Stopwatch.GetElapsedTime(start);
        Assert.True(took < HangBound, $"seed {seed}: {call.EntryPoint} took {took.TotalSeconds} s (hang detector)");
    }

    private static int Dim(Random rng) => rng.Next(4) switch
    {
        0 => Extremes[rng.Next(Extremes.Length)],
        1 => rng.Next(1, 4097),
        _ => rng.Next(1, 65),
    };

    private static SystemSpec PickSystem(Random rng, int maxDevices = int.MaxValue)
    {
        SystemSpec[] all = SystemsUnderTest.Value.Where(s => s.DeviceCount <= maxDevices).ToArray();
        return all[rng.Next(all.Length)];
    }

    /// <summary>A valid mesh of 1 to 3 axes over the system (all its devices, or a prefix of them).</summary>
    private static DeviceMesh ValidMesh(Random rng, SystemSpec system)
    {
        int devices = rng.Next(4) == 0 ? rng.Next(1, system.DeviceCount + 1) : system.DeviceCount;
        int rank = rng.Next(1, 4);
        var sizes = new List<int>();
        int left = devices;
        for (int i = 0; i < rank - 1; i++)
        {
            int[] divisors = Enumerable.Range(1, left).Where(d => left % d == 0).ToArray();
            int d = divisors[rng.Next(divisors.Length)];
            sizes.Add(d);
            left /= d;
        }

        sizes.Add(left);
        string[] names = rank == 3 ? ["x", "y", "z"] : rank == 2 ? (rng.Next(2) == 0 ? ["dp", "tp"] : ["x", "y"]) : ["x"];
        var axes = names.Zip(sizes, (n, s) => (n, s)).ToArray();
        return devices == system.DeviceCount
            ? DeviceMesh.Create(system, axes)
            : DeviceMesh.Create(system, axes, Enumerable.Range(0, devices).ToArray());
    }

    private static void MeshCreate(Random rng, Call call)
    {
        call.Is("DeviceMesh.Create", "system", "axes", "devices");
        SystemSpec system = PickSystem(rng);
        var axes = Enumerable.Range(0, rng.Next(0, 4)).Select(_ => (Names[rng.Next(Names.Length)], rng.Next(3) == 0 ? Extremes[rng.Next(Extremes.Length)] : rng.Next(1, 49))).ToArray();
        int[]? devices = rng.Next(3) == 0
            ? Enumerable.Range(0, rng.Next(0, 20)).Select(_ => rng.Next(4) == 0 ? Extremes[rng.Next(Extremes.Length)] : rng.Next(system.DeviceCount)).ToArray()
            : null;
        DeviceMesh mesh = DeviceMesh.Create(system, axes, devices);
        CheckMesh(rng, mesh, devices?.Length ?? system.DeviceCount);
    }

    private static void MeshParse(Random rng, Call call)
    {
        call.Is("DeviceMesh.Parse", "system", "text");
        SystemSpec system = PickSystem(rng);
        string text = Mutate(rng, ValidMesh(rng, system).ToSpecString());
        DeviceMesh mesh = DeviceMesh.Parse(system, text);
        CheckMesh(rng, mesh, system.DeviceCount);
        Assert.Equal(mesh.ToSpecString(), DeviceMesh.Parse(system, mesh.ToSpecString()).ToSpecString());
    }

    /// <summary>A mesh's invariants, and its lookups with random (often bad) arguments.</summary>
    private static void CheckMesh(Random rng, DeviceMesh mesh, int devices)
    {
        Assert.Equal(devices, mesh.Size);
        Assert.Equal(devices, mesh.Shape.Aggregate(1L, (a, s) => a * s));
        Assert.Equal(devices, mesh.Devices.Distinct().Count());
        for (int i = 0; i < 4; i++)
        {
            int p = rng.Next(mesh.Size);
            Assert.Equal(p, mesh.Position(mesh.Coordinates(p)));
            int axis = rng.Next(mesh.Rank);
            Assert.Equal(mesh.Coordinates(p)[axis], mesh.Coordinate(p, axis));
        }

        // Lookups with arguments outside the mesh: each throws a documented exception naming its parameter.
        ExpectArgument(() => mesh.Coordinates(rng.Next(2) == 0 ? -1 : mesh.Size), "position");
        ExpectArgument(() => mesh.Coordinate(rng.Next(2) == 0 ? -1 : mesh.Size, 0), "position");
        ExpectArgument(() => mesh.Coordinate(0, rng.Next(2) == 0 ? -1 : mesh.Rank), "axis");
        ExpectArgument(() => mesh.AxisSize("no such axis"), "name");
        ExpectArgument(() => mesh.Position(new int[mesh.Rank + 1]), "coordinates");
        string[] groupAxes = Enumerable.Range(0, rng.Next(0, 3)).Select(_ => rng.Next(2) == 0 ? mesh.AxisNames[rng.Next(mesh.Rank)] : Names[rng.Next(Names.Length)]).ToArray();
        try
        {
            IReadOnlyList<int[]> groups = mesh.Groups(groupAxes);
            // The groups partition the mesh.
            Assert.Equal(Enumerable.Range(0, mesh.Size), groups.SelectMany(g => g).Order());
        }
        catch (ArgumentException ex)
        {
            Assert.True(ex.ParamName is "axes" or "name", $"Groups({string.Join(", ", groupAxes)}) named '{ex.ParamName}'");
        }
    }

    private static void ExpectArgument(Action action, string parameter)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(parameter, ex.ParamName);
    }

    private static void SpecParse(Random rng, Call call)
    {
        call.Is("PartitionSpec.Parse", "text", "rank");
        string[] templates = ["dp,tp", "tp,", ",", "dp+tp,", "(dp tp),None", "P('x', None)", "x,{partial: y}", "x, partial=y+z", "None,null", "dp,tp,pp"];
        string text = Mutate(rng, templates[rng.Next(templates.Length)]);
        int rank = rng.Next(5) == 0 ? Extremes[rng.Next(Extremes.Length)] : rng.Next(0, 4);
        PartitionSpec spec = PartitionSpec.Parse(text, rank);
        Assert.Equal(rank, spec.Rank);
        // What was parsed reparses to itself from its CLI form.
        Assert.Equal(spec, PartitionSpec.Parse(spec.ToCliString(), rank));
    }

    private static void SpecP(Random rng, Call call)
    {
        call.Is("PartitionSpec.P", "dims", "axes");
        object?[] dims = Enumerable.Range(0, rng.Next(0, 4)).Select(_ => rng.Next(5) switch
        {
            0 => (object?)null,
            1 => Names[rng.Next(Names.Length)],
            2 => new[] { Names[rng.Next(Names.Length)], Names[rng.Next(Names.Length)] },
            3 => 42,
            _ => new string[] { null! },
        }).ToArray();
        PartitionSpec spec = PartitionSpec.P(dims);
        Assert.Equal(dims.Length, spec.Rank);
        if (rng.Next(2) == 0) spec = spec.WithPartial(Names[rng.Next(Names.Length)]);
        _ = spec.ToString();
    }

    /// <summary>A spec over the mesh's axes (sometimes an unknown axis, or the wrong rank).</summary>
    private static PartitionSpec RandomSpec(Random rng, DeviceMesh mesh, int rank = 2)
    {
        var unused = mesh.AxisNames.OrderBy(_ => rng.Next()).ToList();
        object?[] dims = new object?[rank];
        for (int d = 0; d < rank; d++)
        {
            int take = rng.Next(0, Math.Min(3, unused.Count + 1));
            string[] axes = [.. unused.Take(take)];
            unused.RemoveRange(0, take);
            if (rng.Next(20) == 0 && !unused.Contains("nosuch") && dims.All(x => x is not string[] used || !used.Contains("nosuch"))) axes = [.. axes, "nosuch"];
            dims[d] = axes.Length == 0 ? null : axes;
        }

        return PartitionSpec.P(dims);
    }

    private static void Layout(Random rng, Call call)
    {
        call.Is("TensorSharding", "name", "rows", "cols", "mesh", "spec");
        DeviceMesh mesh = ValidMesh(rng, PickSystem(rng));
        int rows = Dim(rng), cols = Dim(rng);
        bool uneven = rng.Next(2) == 0;
        var layout = new TensorSharding("T", rows, cols, mesh, RandomSpec(rng, mesh, rng.Next(10) == 0 ? 3 : 2), uneven);

        // Independent check: the distinct blocks (one per replica key) lie inside the matrix and tile it exactly.
        long covered = 0;
        var seen = new HashSet<ShardExtent>();
        for (int p = 0; p < mesh.Size; p++)
        {
            ShardExtent e = layout.Extent(p);
            Assert.True(e.RowStart >= 0 && e.Rows >= 0 && (long)e.RowStart + e.Rows <= rows, $"rows of position {p}: {e}");
            Assert.True(e.ColStart >= 0 && e.Cols >= 0 && (long)e.ColStart + e.Cols <= cols, $"columns of position {p}: {e}");
            if (e.Elements > 0 && seen.Add(e)) covered += e.Elements;
        }

        Assert.Equal((long)rows * cols, covered);
        Assert.True(layout.PaddingElements >= 0);
        if (!uneven) Assert.Equal(0, layout.PaddingElements);
    }

    private static MatMulOptions Options(Random rng) => new()
    {
        Uneven = rng.Next(2) == 0,
        ReduceAlgorithm = rng.Next(3) == 0 ? Algorithms[rng.Next(Algorithms.Length)] : CollectiveAlgorithm.Auto,
    };

    private static void PlanByStrategy(Random rng, Call call)
    {
        call.Is("MatMul.Plan(strategy)", "mesh", "m", "n", "k", "strategy", "options");
        // The planner behind Strategy.Auto ranks every candidate: keep it to small systems.
        Strategy strategy = rng.Next(12) == 0 ? Strategy.Auto : rng.Next(12) == 0 ? Strategy.FromSpecs : Strategy.All[rng.Next(Strategy.All.Count)];
        SystemSpec system = PickSystem(rng, strategy == Strategy.Auto ? 8 : int.MaxValue);
        DeviceMesh mesh = ValidMesh(rng, system);
        int m = Dim(rng), n = Dim(rng), k = Dim(rng);
        MatMulPlan plan = MatMul.Plan(mesh, m, n, k, strategy, Options(rng));
        CheckPlan(rng, plan, m, n, k);
    }

    private static void PlanBySpecs(Random rng, Call call)
    {
        call.Is("MatMul.Plan(specs)", "mesh", "m", "n", "k", "aSpec", "bSpec", "cSpec", "options");
        DeviceMesh mesh = ValidMesh(rng, PickSystem(rng));
        int m = Dim(rng), n = Dim(rng), k = Dim(rng);
        PartitionSpec a = RandomSpec(rng, mesh), b = RandomSpec(rng, mesh);
        PartitionSpec? c = rng.Next(2) == 0 ? null : RandomSpec(rng, mesh);
        if (rng.Next(10) == 0 && !a.Dims.Any(d => d.Contains("x"))) a = a.WithPartial("x");
        MatMulPlan plan = MatMul.Plan(mesh, m, n, k, a, b, c, Options(rng));
        CheckPlan(rng, plan, m, n, k);
    }

    /// <summary>A plan's closed-form figures; its estimate on small meshes (and now and then on a large one).</summary>
    private static void CheckPlan(Random rng, MatMulPlan plan, int m, int n, int k)
    {
        Assert.Equal(2.0 * m * n * k, plan.Flops);
        Assert.True(plan.MemoryPerDeviceBytes >= 0 && plan.HostBytes >= 2 * (((long)m * k) + ((long)k * n) + ((long)m * n)),
            $"memory {plan.MemoryPerDeviceBytes} per device, {plan.HostBytes} host");
        Assert.True(plan.PaddingWasteFlops >= 0);
        if (plan.Mesh.Size <= 16 || rng.Next(20) == 0)
        {
            RunReport r = plan.Estimate();
            Assert.True(double.IsFinite(r.SimulatedSeconds) && r.SimulatedSeconds > 0, $"simulated {r.SimulatedSeconds} s");
            Assert.True(r.SimulatedSeconds >= r.ComputeSeconds * (1 - 1e-12), $"simulated {r.SimulatedSeconds} s < compute {r.ComputeSeconds} s");
        }
    }

    private static void Execute(Random rng, Call call)
    {
        call.Is("MatMulPlan.Execute", "a", "b", "backend", "options");
        SystemSpec system = PickSystem(rng, 8);
        DeviceMesh mesh = ValidMesh(rng, system);
        int m = rng.Next(1, 25), n = rng.Next(1, 25), k = rng.Next(1, 25);
        MatMulPlan plan;
        try
        {
            plan = MatMul.Plan(mesh, m, n, k, Strategy.All[rng.Next(Strategy.All.Count)], new MatMulOptions { Uneven = true });
        }
        catch (ArgumentException)
        {
            return; // a strategy that cannot use this mesh: PlanByStrategy covers the refusal
        }

        int am = rng.Next(8) == 0 ? m + 1 : m, bn = rng.Next(8) == 0 ? n + 1 : n;
        var a = DenseTensor.Random<BFloat16>([am, k], (ulong)rng.Next());
        var b = DenseTensor.Random<BFloat16>([k, bn], (ulong)rng.Next());
        var options = new ExecuteOptions
        {
            SpotCheckTiles = rng.Next(3) == 0 ? Extremes[rng.Next(Extremes.Length)] : rng.Next(0, 4),
            Seed = (ulong)rng.NextInt64(),
            MemoryBudgetBytes = rng.Next(4) switch { 0 => -1, 1 => rng.Next(1, 4096), 2 => long.MaxValue, _ => 0 },
        };
        using MatMulRun run = plan.Execute(a, b, Cpu.Value, options);
        Assert.True(run.Report.Verified, $"{plan.Strategy.Name} on {plan.Mesh}, {m} x {n} x {k}: not verified against FP64");
    }

    /// <summary>Text mutations: cut, duplicate, swap in awkward characters or numbers.</summary>
    private static string Mutate(Random rng, string text)
    {
        string[] inserts = ["", ",", "=", "+", "(", ")", "{", "}", " ", "0", "-1", "2147483647", "99999999999", "\ud800", "é", "NaN", "partial:", "partial=", "None", "P("];
        for (int i = rng.Next(0, 3); i > 0; i--)
        {
            int at = rng.Next(text.Length + 1);
            switch (rng.Next(3))
            {
                case 0: text = text[..at] + inserts[rng.Next(inserts.Length)] + text[at..]; break;
                case 1: text = text[..at] + text[Math.Min(text.Length, at + rng.Next(1, 4))..]; break;
                default: text += text; break;
            }
        }

        return text;
    }

    private int Run(long iterations)
    {
        int cases = FuzzRun.Count(iterations, OneCase);
        output.WriteLine($"sharding API fuzz: {cases} cases, 0 violations");
        return cases;
    }

    [Fact]
    public void RandomShardingCalls_SucceedOrThrowADocumentedException() => Assert.Equal(1000, Run(1000));

    [Theory]
    [InlineData(163)] // 2^30 spot-check tiles: a list of 16 rows per tile until the process was killed
    [InlineData(2163)] // ReduceAlgorithm -1 accepted, then thrown by the collective timer naming 'algorithm'
    [InlineData(5396)] // the padding of a 2^31 - 1 dimension overflowed a checked sum
    [InlineData(6136)] // PartitionSpec.Parse("", 2^31 - 1) allocated one entry per dimension
    public void FoundCases_StayInsideTheContract(int seed) => OneCase(seed);

    [HeavyFact]
    public void RandomShardingCalls_SucceedOrThrowADocumentedException_Heavy() => Assert.Equal(100_000, Run(100_000));
}
