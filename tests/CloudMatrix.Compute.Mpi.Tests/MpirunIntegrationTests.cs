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
        Assert.Equal(2, code);
        Assert.Contains("Process 0 of 2", stderr, StringComparison.Ordinal);
        Assert.Contains("1.00 MB", stderr, StringComparison.Ordinal);
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

    private static (int Code, string Out, string Err) Mpirun(int processes, string cmx, params string[] args)
    {
        var info = new ProcessStartInfo(Launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", cmx }.Concat(args)) info.ArgumentList.Add(a);
        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"mpirun -np {processes} did not finish in 3 minutes");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
