namespace CloudMatrix.Compute.Backends;

/// <summary>What a probe found for one compute backend on this machine.</summary>
/// <param name="Name">The backend's name as <see cref="ComputeBackend.Create(string)"/> takes it, e.g. <c>cuda</c>.</param>
/// <param name="Available">Whether <see cref="ComputeBackend.Create(string)"/> would succeed.</param>
/// <param name="DeviceName">The device it would use, or null when unavailable.</param>
/// <param name="MemoryBytes">The device's memory in bytes, or null when unavailable.</param>
/// <param name="Reason">Why it is unavailable (null when available), e.g. "no CUDA driver (libcuda.so.1) found".</param>
public sealed record BackendInfo(string Name, bool Available, string? DeviceName, long? MemoryBytes, string? Reason);
