using CloudMatrix.Compute.Backends;

namespace CloudMatrix.Compute.Tests.Backends;

public class BackendRegistryTests
{
    [Fact]
    public void Create_UnknownName_ListsTheValidNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => ComputeBackend.Create("tpu"));
        Assert.Equal("name", ex.ParamName);
        Assert.Contains("'tpu'", ex.Message, StringComparison.Ordinal);
        foreach (string name in new[] { "auto", "cpu-simd", "ilgpu-cpu", "cuda", "opencl" })
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_IsCaseInsensitive_AndTrims()
    {
        using ComputeBackend backend = ComputeBackend.Create("  CPU-SIMD ");
        Assert.Equal("cpu-simd", backend.Name);
    }

    [Fact]
    public void Probe_ListsEveryConcreteBackend_WithAReasonWhenUnavailable()
    {
        IReadOnlyList<BackendInfo> probes = BackendRegistry.Probe();
        Assert.Equal(BackendRegistry.Names.Skip(1), probes.Select(p => p.Name));
        Assert.True(probes.Single(p => p.Name == "cpu-simd").Available);
        Assert.True(probes.Single(p => p.Name == "ilgpu-cpu").Available);
        foreach (BackendInfo probe in probes)
        {
            if (probe.Available)
            {
                Assert.Null(probe.Reason);
                Assert.False(string.IsNullOrWhiteSpace(probe.DeviceName));
                Assert.True(probe.MemoryBytes > 0);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(probe.Reason));
                Assert.Null(probe.DeviceName);
            }
        }
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("opencl")]
    public void Create_AnAbsentGpuBackend_IsAnError_NotASilentFallback(string name)
    {
        BackendInfo probe = BackendRegistry.Probe().Single(p => p.Name == name);
        if (probe.Available)
        {
            using ComputeBackend present = ComputeBackend.Create(name);
            Assert.Equal(name, present.Name);
            return;
        }

        var ex = Assert.Throws<BackendUnavailableException>(() => ComputeBackend.Create(name));
        Assert.Equal(name, ex.BackendName);
        Assert.Equal(probe.Reason, ex.Reason);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_PicksTheFirstAvailableInCudaOpenclCpuOrder_AndSaysWhy()
    {
        IReadOnlyList<BackendInfo> probes = BackendRegistry.Probe();
        string expected = probes.Single(p => p.Name == "cuda").Available ? "cuda"
            : probes.Single(p => p.Name == "opencl").Available ? "opencl" : "cpu-simd";
        Assert.Equal(expected, BackendRegistry.AutoChoice(probes));

        using ComputeBackend backend = ComputeBackend.Create("auto");
        Assert.Equal(expected, backend.Name);
        Assert.NotNull(backend.SelectionReason);
        Assert.Contains($"auto picked {expected}", backend.SelectionReason, StringComparison.Ordinal);
        foreach (BackendInfo skipped in probes.Where(p => p.Name is "cuda" or "opencl" && !p.Available))
        {
            Assert.Contains($"{skipped.Name} unavailable", backend.SelectionReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AutoChoice_FollowsTheOrder_ForHandMadeProbes()
    {
        static BackendInfo Up(string name) => new(name, true, "dev", 1, null);
        static BackendInfo Down(string name) => new(name, false, null, null, "absent");
        Assert.Equal("cuda", BackendRegistry.AutoChoice([Up("cpu-simd"), Up("ilgpu-cpu"), Up("cuda"), Up("opencl")]));
        Assert.Equal("opencl", BackendRegistry.AutoChoice([Up("cpu-simd"), Up("ilgpu-cpu"), Down("cuda"), Up("opencl")]));
        Assert.Equal("cpu-simd", BackendRegistry.AutoChoice([Up("cpu-simd"), Up("ilgpu-cpu"), Down("cuda"), Down("opencl")]));
    }

    [Fact]
    public void Dispose_IsIdempotent_AndLaterCallsAreRefused()
    {
        ComputeBackend backend = ComputeBackend.Create("ilgpu-cpu");
        DeviceBuffer<float> buffer = backend.Allocate<float>(8);
        backend.Dispose();
        backend.Dispose();
        Assert.True(buffer.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => backend.Allocate<float>(1));
        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
        buffer.Dispose();
    }
}
