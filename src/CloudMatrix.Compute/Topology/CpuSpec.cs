namespace CloudMatrix.Compute.Topology;

/// <summary>A host CPU of a system (not a simulated device; carried for the system table).</summary>
/// <param name="Name">Product name, e.g. <c>Kunpeng 920</c>.</param>
/// <param name="CountPerNode">CPUs in each node.</param>
/// <param name="ScaleUpBytesPerSecond">The CPU's bandwidth into the scale-up fabric, bytes/s each way (0 when it has none).</param>
public sealed record CpuSpec(string Name, int CountPerNode, double ScaleUpBytesPerSecond);
