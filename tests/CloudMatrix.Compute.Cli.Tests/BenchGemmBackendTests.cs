using System.Text.Json;
using CloudMatrix.Compute.Backends;

namespace CloudMatrix.Compute.Cli.Tests;

public class BenchGemmBackendTests
{
    [Fact]
    public void Default_RunsOnCpuSimd_AndNamesTheBackendAndDevice()
    {
        var (code, output, _) = CmxRunner.Run("bench", "gemm", "--m", "16", "--n", "16", "--k", "16", "--repeat", "1", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("cpu-simd", doc.RootElement.GetProperty("backend").GetString());
        Assert.Contains("host CPU", doc.RootElement.GetProperty("device").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void IlgpuCpu_RunsTheGpuKernelInTheEmulator_AndPassesTheCheck()
    {
        var (code, output, _) = CmxRunner.Run("bench", "gemm", "--m", "33", "--n", "20", "--k", "17", "--trans-b", "--repeat", "1", "--backend", "ILGPU-CPU", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal("ilgpu-cpu", root.GetProperty("backend").GetString());
        Assert.StartsWith("ilgpu-simt", root.GetProperty("kernel").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, root.GetProperty("threads").GetInt32());
        Assert.Equal(33 * 20, root.GetProperty("checked_elements").GetInt64());
        Assert.True(root.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void UnknownBackend_IsUsageError_ListingTheValidNames()
    {
        var (code, _, err) = CmxRunner.Run("bench", "gemm", "--m", "8", "--n", "8", "--k", "8", "--backend", "tpu");
        Assert.Equal(2, code);
        Assert.Contains("'tpu'", err, StringComparison.Ordinal);
        Assert.Contains("auto, cpu-simd, ilgpu-cpu, cuda, opencl", err, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsentCuda_IsAnError_NotAFallback()
    {
        var (code, output, err) = CmxRunner.Run("bench", "gemm", "--m", "8", "--n", "8", "--k", "8", "--repeat", "1", "--backend", "cuda", "--json");
        if (BackendRegistry.Probe().Single(p => p.Name == "cuda").Available)
        {
            Assert.Equal(0, code);
            return;
        }

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains("'cuda' is unavailable", err, StringComparison.Ordinal);
    }
}
