using System.Diagnostics;
using System.Text.Json;
using CloudMatrix.Compute.Backends;
using CloudMatrix.Compute.Collectives;
using CloudMatrix.Compute.Sharding;
using CloudMatrix.Compute.Topology;

namespace CloudMatrix.Compute.Mpi.Tests;

/// <summary>
/// <c>mpirun.mpich -np P dotnet cmx.dll matmul ...</c> for real (MPICH on loopback); skipped, with the reason, where
/// MPICH is not installed (<c>apt-get install mpich</c>).
/// </summary>
public class MpirunIntegrationTests
{
    private const string Launcher = "mpirun.mpich";

    [SkippableTheory]
    [InlineData(2)]
    [InlineData(4)]
    public void CmxUnderMpirun_KSplitRing_EqualsSingleProcessBits(int processes)
    {
        string cmx = Prerequisites();
        var (code, stdout, stderr) = Mpirun(processes, cmx, "matmul", "--m", "384", "--n", "384", "--k", "384", "--backend", "cpu-simd",
            "--a-spec", ",dp", "--b-spec", "dp,", "--reduce", "ring", "--json");
        Assert.True(code == 0, $"exit {code}\n{stderr}");
        using JsonDocument doc = JsonDocument.Parse(stdout); // one document: only rank 0 writes it
        JsonElement root = doc.RootElement;
        Assert.Equal(processes, root.GetProperty("processes").GetInt32());
        Assert.Equal(processes, root.GetProperty("mpi_bytes_per_process").GetArrayLength());
        Assert.True(root.GetProperty("verified").GetBoolean());

        // The same plan in this process, through the API.
        DeviceMesh mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        MatMulPlan plan = MatMul.Plan(mesh, 384, 384, 384, PartitionSpec.P(null, "dp"), PartitionSpec.P("dp", null),
            options: new MatMulOptions { ReduceAlgorithm = CollectiveAlgorithm.Ring });
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun single = TestSystems.RunSingle(plan, backend);
        Assert.Equal(DistributedMatMul.Checksum(single.C), root.GetProperty("c_checksum").GetString());
        Assert.Equal(single.Report.SimulatedSeconds, root.GetProperty("simulated_seconds").GetDouble());
        Assert.All(root.GetProperty("mpi_bytes_per_process").EnumerateArray(), b => Assert.True(b.GetInt64() > 0));

        // Bytes counted at MPI equal the plan's cross-process traffic.
        long[] computed = CrossProcessTraffic.BytesPerProcess(plan, ProcessPlacement.Contiguous(mesh, processes));
        Assert.Equal(computed, root.GetProperty("mpi_bytes_per_process").EnumerateArray().Select(b => b.GetInt64()));
        Assert.Equal(computed, root.GetProperty("plan_bytes_per_process").EnumerateArray().Select(b => b.GetInt64()));
    }

    [SkippableFact]
    public void CmxUnderMpirun_Summa_OverlapsBroadcastsWithGemms_EqualsSingleProcessBits()
    {
        // Panel p+1's broadcast of B along x crosses the processes while panel p's GEMMs run (MPI nonblocking, tested
        // for progress from the main thread while the GEMM runs on a worker).
        string cmx = Prerequisites();
        var (code, stdout, stderr) = Mpirun(2, cmx, "matmul", "--m", "384", "--n", "384", "--k", "384", "--backend", "cpu-simd",
            "--mesh", "x=48,y=8", "--strategy", "summa", "--json");
        Assert.True(code == 0, $"exit {code}\n{stderr}");
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        MatMulPlan plan = MatMul.Plan(Systems.CloudMatrix384().Mesh(("x", 48), ("y", 8)), 384, 384, 384, Strategy.Summa);
        Assert.Equal(plan.Steps.OfType<Execution.GemmStep>().Count() - 1, root.GetProperty("overlapped_steps").GetInt32());
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun single = TestSystems.RunSingle(plan, backend);
        Assert.Equal(DistributedMatMul.Checksum(single.C), root.GetProperty("c_checksum").GetString());
        Assert.True(root.GetProperty("verified").GetBoolean());
    }

    [SkippableFact]
    public void CmxUnderMpirun_AboveTheProcessBudget_RefusesCleanly()
    {
        string cmx = Prerequisites();
        var (code, _, stderr) = Mpirun(2, cmx, "matmul", "--m", "384", "--n", "384", "--k", "384", "--backend", "cpu-simd", "--memory-budget", "1MB");
        Assert.Equal(1, code); // a memory refusal is a failure with need and budget (docs/errors.md), not a usage error
        Assert.Contains("Process 0 of 2", stderr, StringComparison.Ordinal);
        Assert.Contains("(1,000,000 bytes)", stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void CmxUnderMpirun_RunTooLargeForOneProcessBudget_CompletesAcrossFourProcessesAndVerifies()
    {
        // K over dp with a ring all-reduce: every device holds a whole partial C (1.18 MB at 768^2), so one process
        // hosting all 384 devices needs about 1.4 GB; with a 600 MB budget per process (CMX_MEMORY_BUDGET) one and two
        // processes refuse, naming need and budget, and four (96 devices each) complete with C verified and the bits
        // of the single-process run.
        string cmx = Prerequisites();
        string[] run = ["matmul", "--m", "768", "--n", "768", "--k", "768", "--backend", "cpu-simd", "--a-spec", ",dp", "--b-spec", "dp,", "--reduce", "ring", "--json"];
        var budget = new Dictionary<string, string> { ["CMX_MEMORY_BUDGET"] = "600M" };
        DeviceMesh mesh = Systems.CloudMatrix384().Mesh(("dp", 48), ("tp", 8));
        MatMulPlan plan = MatMul.Plan(mesh, 768, 768, 768, PartitionSpec.P(null, "dp"), PartitionSpec.P("dp", null),
            options: new MatMulOptions { ReduceAlgorithm = CollectiveAlgorithm.Ring });
        const long budgetBytes = 600L << 20;
        Assert.True(plan.HostBytes > budgetBytes, $"the single-process run needs {plan.HostBytes} bytes, not above the budget");

        var (single, _, singleErr) = Run(null, cmx, budget, run);
        Assert.Equal(1, single);
        Assert.Contains($"needs {Numerics.ByteSize.FormatExact(plan.HostBytes)}", singleErr, StringComparison.Ordinal);
        Assert.Contains($"budget is {Numerics.ByteSize.FormatExact(budgetBytes)}", singleErr, StringComparison.Ordinal);

        var (two, _, twoErr) = Run(2, cmx, budget, run);
        Assert.Equal(1, two);
        Assert.Contains("Process 0 of 2", twoErr, StringComparison.Ordinal);

        var (four, stdout, fourErr) = Run(4, cmx, budget, run);
        Assert.True(four == 0, $"exit {four}\n{fourErr}");
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.True(root.GetProperty("verified").GetBoolean());
        Assert.All(root.GetProperty("memory_need_per_process_bytes").EnumerateArray(), b => Assert.InRange(b.GetInt64(), 1, budgetBytes));
        using ComputeBackend backend = ComputeBackend.Create("cpu-simd");
        using MatMulRun reference = TestSystems.RunSingle(plan, backend);
        Assert.Equal(DistributedMatMul.Checksum(reference.C), root.GetProperty("c_checksum").GetString());
    }

    private static string Prerequisites()
    {
        string? launcher = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, Launcher)).FirstOrDefault(File.Exists);
        Skip.If(launcher is null, $"{Launcher} is not on PATH: install MPICH (apt-get install mpich) to run cmx under mpirun");
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CloudMatrix.Compute.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string cmx = Path.Combine(dir.FullName, "src", "CloudMatrix.Compute.Cli", "bin", config, "net10.0", "cmx.dll");
        Assert.True(File.Exists(cmx), $"{cmx} was not built");
        return cmx;
    }

    private static (int Code, string Out, string Err) Mpirun(int processes, string cmx, params string[] args) => Run(processes, cmx, null, args);

    /// <summary>cmx under <c>mpirun -np P</c>, or alone when <paramref name="processes"/> is null, with extra environment variables.</summary>
    private static (int Code, string Out, string Err) Run(int? processes, string cmx, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(processes is null ? "dotnet" : Launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] launch = processes is { } np ? ["-np", np.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", cmx] : [cmx];
        foreach (string a in launch.Concat(args)) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"cmx on {processes ?? 1} processes did not finish in 3 minutes");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
