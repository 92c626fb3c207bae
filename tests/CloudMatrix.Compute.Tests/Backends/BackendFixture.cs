using CloudMatrix.Compute.Backends;

namespace CloudMatrix.Compute.Tests.Backends;

/// <summary>
/// Opens one backend for a whole test class (an ILGPU context is expensive) and disposes it at the end. When the
/// backend cannot run here, <see cref="Backend"/> is null and <see cref="SkipReason"/> says why; every test then
/// reports itself as skipped with that reason rather than passing.
/// </summary>
public abstract class BackendFixture : IDisposable
{
    protected BackendFixture(string name)
    {
        Name = name;
        try
        {
            Backend = ComputeBackend.Create(name);
        }
        catch (BackendUnavailableException ex)
        {
            SkipReason = $"{name} is not available on this machine: {ex.Reason}";
        }
    }

    public string Name { get; }

    public ComputeBackend? Backend { get; }

    public string? SkipReason { get; }

    public void Dispose()
    {
        Backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class CpuSimdFixture() : BackendFixture("cpu-simd");

public sealed class IlgpuCpuFixture() : BackendFixture("ilgpu-cpu");

public sealed class CudaFixture() : BackendFixture("cuda");

public sealed class OpenCLFixture() : BackendFixture("opencl");
