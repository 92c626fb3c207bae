using System.Diagnostics;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Testing;
using CloudMatrix.Compute.Topology;
using CsCheck;
using Xunit.Abstractions;

namespace CloudMatrix.Compute.Cli.Tests;

/// <summary>
/// docs/errors.md for the command line: random argument vectors of the verbs (awkward numbers, names, files,
/// contradicting options) end with exit 0, 1 or 2, a message on standard error for 1 and 2, no stack trace, and
/// within a generous time bound (a hang detector).
/// </summary>
public sealed class CliFuzzTests : IDisposable
{
    // The default CI run replays one fixed stream of cases (reproducible); the heavy run draws new ones every time.
    private const string DefaultRunSeed = "9pVCddZt3e23";

    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(60);

    private static readonly string[] Ints = ["-1", "0", "1", "2", "3", "7", "2147483647", "-2147483648", "99999999999", "abc", "", "1e3", "1.5"];
    private static readonly string[] Doubles = ["-1", "0", "1", "5", "1e308", "-0", "NaN", "Infinity", "abc", "", "1e-320"];
    private static readonly string[] Systems = ["cloudmatrix384", "gb200-nvl72", "hgx-h100", "foo", "", " CloudMatrix384 "];

    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("cmx-fuzz-").FullName;
    private readonly string[] _files;

    public CliFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        string topology = Path.Combine(_dir, "small.json"), flows = Path.Combine(_dir, "flows.json"), garbage = Path.Combine(_dir, "garbage.json");
        TopologyFile.Save(TopologyBuilder.SingleSwitch(4, 1e9, 1e-6), topology);
        File.WriteAllText(flows, """{"format": "cmx-flows", "version": 1, "flows": [{ "source": 0, "destination": 1, "bytes": 1e6 }]}""");
        File.WriteAllText(garbage, "{\"format\": \"\\ud800\", ");
        _files = [topology, flows, garbage, _dir, Path.Combine(_dir, "missing.json"), ""];
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Arguments(Random rng)
    {
        string Pick(string[] values) => values[rng.Next(values.Length)];
        var args = new List<string>();
        void Maybe(string option, string[] values, int oneIn = 3)
        {
            if (rng.Next(oneIn) == 0)
            {
                args.Add(option);
                args.Add(Pick(values));
            }
        }

        switch (rng.Next(8))
        {
            case 0:
                args.Add("info");
                Maybe("--system", Systems);
                Maybe("--topology", _files, 4);
                Maybe("--granularity", ["npu", "die", "chip"], 4);
                Maybe("--supernodes", ["-1", "0", "1", "2147483647", "x"], 5);
                Maybe("--compare", ["cloudmatrix384,gb200-nvl72", "foo", "gb200-nvl72," + _files[0], ","], 5);
                break;
            case 1:
                args.Add("simulate");
                if (rng.Next(2) == 0) Maybe("--topology", _files, 1); else Maybe("--system", ["gb200-nvl72", "foo", "hgx-h100"], 1);
                Maybe("--flows", _files, 2);
                Maybe("--pattern", ["ring", "all-to-all", "tree", ""], 2);
                Maybe("--bytes", Doubles);
                Maybe("--top", Ints, 4);
                Maybe("--fault", ["link:x", "plane:3@0.5", "plane:99", "switch:", "bogus", "link:d0~switch@2"], 4);
                Maybe("--granularity", ["npu", "die"], 6);
                Maybe("--supernodes", ["-1", "0", "2", "x"], 8);
                break;
            case 2:
                args.Add("topology");
                args.Add("--out");
                args.Add(rng.Next(8) == 0 ? Pick(_files) : Path.Combine(_dir, $"out{rng.Next(1000)}.json"));
                Maybe("--torus", ["4x4", "2x2x2", "1x4", "100000x100000", "2000x2000", "abc", "", "3", "4x"], 2);
                Maybe("--mesh", ["3x3", "0x5"], 6);
                Maybe("--system", Systems, 4);
                Maybe("--supernodes", ["-1", "0", "1", "2", "x"], 6);
                Maybe("--granularity", ["npu", "die", "x"], 6);
                Maybe("--link-gbps", Doubles, 3);
                Maybe("--latency-us", Doubles, 4);
                break;
            case 3:
                args.AddRange(["bench", "gemm"]);
                foreach (string dim in new[] { "--m", "--n", "--k" })
                {
                    if (rng.Next(10) > 0)
                    {
                        args.Add(dim);
                        args.Add(Pick(["-1", "0", "1", "7", "33", "46340", "65536", "2147483647", "x"]));
                    }
                }

                Maybe("--repeat", ["-1", "0", "1", "2", "100001", "2147483647", "x"], 2);
                Maybe("--threads", ["-1", "0", "1", "2", "4097", "100000"], 2);
                Maybe("--backend", ["cpu-simd", "auto", "foo", "cuda"], 3);
                Maybe("--seed", Ints, 4);
                break;
            case 4:
                args.Add(Pick(["about", "--version", "--help", "info --help", "nosuchverb", "--no-such-option"]));
                break;
            case 5:
                Matmul(rng, args);
                break;
            case 6:
                Plan(rng, args);
                break;
            default:
                // The main job's option checks, without running a job.
                args.Add(Pick(["--size", "--m", "--n", "--k", "--strategy", "--mesh", "--compare", "--topology"]));
                args.Add(Pick(["-1", "0", "abc", "", "dp=0,tp=0", "nosuch", _dir]));
                args.Add(Pick(["--size", "--m"]));
                args.Add("-5");
                break;
        }

        if (rng.Next(4) == 0) args.Add("--json");
        if (rng.Next(20) == 0) args.Insert(rng.Next(args.Count + 1), "--bogus");
        return [.. args];
    }

    /// <summary>
    /// <c>cmx matmul</c>: timing only (<c>--estimate</c>) except now and then a product of at most 33^3 on a small
    /// system; the planner behind <c>--strategy auto</c> only on small systems.
    /// </summary>
    private void Matmul(Random rng, List<string> args)
    {
        string Pick(string[] values) => values[rng.Next(values.Length)];
        void Maybe(string option, string[] values, int oneIn = 3)
        {
            if (rng.Next(oneIn) == 0) args.AddRange([option, Pick(values)]);
        }

        args.Add("matmul");
        int system = rng.Next(6);
        bool small = system < 4;
        switch (system)
        {
            case 0: case 1: args.AddRange(["--topology", _files[0]]); break;
            case 2: args.AddRange(["--system", "hgx-h100"]); break;
            case 3: args.AddRange(["--topology", Pick(_files[1..])]); break;
            case 4: args.AddRange(["--system", "cloudmatrix384"]); break;
            default: args.AddRange(["--system", Pick(["gb200-nvl72", "foo", ""])]); break;
        }

        bool real = small && rng.Next(8) == 0;
        string[] dims = real ? ["1", "2", "7", "8", "33"] : ["-1", "0", "1", "7", "33", "768", "65536", "2147483647", "x", "", "1e3", "NaN"];
        foreach (string dim in new[] { "--m", "--n", "--k" })
        {
            if (real || rng.Next(3) > 0) args.AddRange([dim, Pick(dims)]);
        }

        Maybe("--mesh", ["x=4", "dp=2,tp=2", "x=8", "dp=48,tp=8", "x=2147483647", "dp=-1", "", "é=4", "x=2,x=2", "x=0", "dp=48,tp=8,pp=1", "x", "x=2,y=2,z=1"], 2);
        Maybe("--strategy", [.. Strategy.All.Select(x => x.Name), .. (small ? new[] { "auto" } : []), "foo", "", "SUMMA"], 2);
        if (rng.Next(5) == 0)
        {
            string[] specs = ["dp,tp", "tp,", ",", "x,", ",x", "{partial: 1x}", "(", "None,x", "x+x,", "", "P('x', None)", "x,{partial: y}"];
            Maybe("--a-spec", specs, 1);
            Maybe("--b-spec", specs, 2);
            Maybe("--c-spec", specs, 3);
        }

        Maybe("--reduce", ["auto", "ring", "one-shot", "tree", "", "RING"], 4);
        if (rng.Next(3) == 0) args.Add("--uneven");
        Maybe("--spot-check", ["-1", "0", "1", "2147483647", "x"], 5);
        Maybe("--memory-budget", ["1B", "NaN", "-1", "512MB", "1e300GB", "InfinityGB", "", "0"], 6);
        Maybe("--trace", [_dir, "", Path.Combine(_dir, $"t{rng.Next(100)}.json")], 8);
        Maybe("--plot", [_dir, "", Path.Combine(_dir, $"p{rng.Next(100)}.svg"), Path.Combine(_dir, "p.png")], 8);
        if (real)
        {
            Maybe("--backend", ["cpu-simd", "auto", "foo"], 2);
        }
        else
        {
            args.Add("--estimate");
            Maybe("--backend", ["auto", "cpu-simd", "foo"], 8);
        }
    }

    /// <summary><c>cmx plan</c>: the planner ranks every candidate, so only on small systems or a few devices of a large one.</summary>
    private void Plan(Random rng, List<string> args)
    {
        string Pick(string[] values) => values[rng.Next(values.Length)];
        void Maybe(string option, string[] values, int oneIn = 3)
        {
            if (rng.Next(oneIn) == 0) args.AddRange([option, Pick(values)]);
        }

        args.Add("plan");
        switch (rng.Next(4))
        {
            case 0: args.AddRange(["--topology", Pick(_files)]); break;
            case 1: args.AddRange(["--system", "hgx-h100"]); break;
            default:
                args.AddRange(["--system", Pick(["cloudmatrix384", "gb200-nvl72"]), "--devices", Pick(["-1", "1", "2", "4", "385", "2147483647", "x"])]);
                break;
        }

        foreach (string dim in new[] { "--m", "--n", "--k" })
        {
            Maybe(dim, ["-1", "0", "1", "7", "33", "768", "65536", "2147483647", "x", ""], 2);
        }

        Maybe("--top", ["-1", "0", "1", "5", "2147483647", "x"], 4);
        Maybe("--strategies", ["rows", "rows,summa", "", ",", "foo", "auto", "cannon,3d", " row-parallel "], 3);
        if (rng.Next(4) == 0) args.Add("--even");
    }

    private void OneCase(int seed)
    {
        string[] args = Arguments(new Random(seed));
        string shown = string.Join(' ', args.Select(a => a.Length == 0 || a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
        long start = Stopwatch.GetTimestamp();
        var (code, _, err) = CmxRunner.Run(args);
        TimeSpan took = Stopwatch.GetElapsedTime(start);
        Assert.True(code is 0 or 1 or 2, $"seed {seed}: cmx {shown}: exit {code}");
        if (code != 0)
        {
            Assert.False(string.IsNullOrWhiteSpace(err), $"seed {seed}: cmx {shown}: exit {code} with no message");
        }

        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Arithmetic operation resulted in an overflow", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
        Assert.True(took < HangBound, $"seed {seed}: cmx {shown} took {took.TotalSeconds} s (hang detector)");
    }

    private int Run(long iterations)
    {
        int cases = 0;
        // One at a time: the verbs share static option objects, and some runs write files.
        Gen.Int.Sample(seed =>
        {
            OneCase(seed);
            cases++;
        }, iter: iterations, threads: 1, seed: iterations <= 10_000 ? DefaultRunSeed : null);
        _output.WriteLine($"cli fuzz: {cases} argument vectors, 0 violations");
        return cases;
    }

    [Fact]
    public void RandomArgumentVectors_EndWithADocumentedExitCodeAndAMessage() => Assert.Equal(300, Run(300));

    [HeavyFact]
    public void RandomArgumentVectors_EndWithADocumentedExitCodeAndAMessage_Heavy() => Assert.Equal(10_000, Run(10_000));
}
