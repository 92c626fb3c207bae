namespace CloudMatrix.Compute.Tests.Backends;

// One thin class per backend: each runs the whole backend-independent suite. GPU classes report every test as
// skipped, with the reason, where the machine has no such GPU.

public sealed class CpuSimdBackendTests(CpuSimdFixture fixture) : BackendConformanceTests(fixture), IClassFixture<CpuSimdFixture>;

public sealed class IlgpuCpuBackendTests(IlgpuCpuFixture fixture) : BackendConformanceTests(fixture), IClassFixture<IlgpuCpuFixture>;

public sealed class CudaBackendTests(CudaFixture fixture) : BackendConformanceTests(fixture), IClassFixture<CudaFixture>;

public sealed class OpenCLBackendTests(OpenCLFixture fixture) : BackendConformanceTests(fixture), IClassFixture<OpenCLFixture>;
