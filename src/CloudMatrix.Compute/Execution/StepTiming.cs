namespace CloudMatrix.Compute.Execution;

/// <summary>When one plan step ran on the simulated clock.</summary>
/// <param name="Id">The step's id.</param>
/// <param name="Name">The step's name.</param>
/// <param name="Kind"><c>gemm</c>, <c>collective</c> or <c>local</c>.</param>
/// <param name="StartSeconds">Simulated start, seconds.</param>
/// <param name="EndSeconds">Simulated end, seconds.</param>
/// <param name="Bytes">Bytes sent over the network by the step (0 for GEMM and local steps).</param>
/// <param name="Detail">Algorithm, group size, or roofline bound.</param>
/// <param name="DeviceSeconds">For GEMM steps: each mesh position's busy time, seconds (null otherwise).</param>
public sealed record StepTiming(int Id, string Name, string Kind, double StartSeconds, double EndSeconds, double Bytes, string Detail, IReadOnlyList<double>? DeviceSeconds);
