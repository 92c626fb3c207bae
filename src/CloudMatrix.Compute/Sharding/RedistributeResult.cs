using CloudMatrix.Compute.Execution;

namespace CloudMatrix.Compute.Sharding;

/// <summary>The result of <see cref="ShardedTensor.Redistribute"/>.</summary>
/// <param name="Tensor">The redistributed tensor; the caller disposes it.</param>
/// <param name="Steps">The collective and local steps that ran (and were timed).</param>
/// <param name="SimulatedSeconds">Simulated time of the steps on the mesh's system, seconds.</param>
/// <param name="CommSeconds">Simulated time of the communication steps, seconds.</param>
/// <param name="HostSeconds">Host time the real run took, seconds.</param>
public sealed record RedistributeResult(ShardedTensor Tensor, IReadOnlyList<PlanStep> Steps, double SimulatedSeconds, double CommSeconds, double HostSeconds);
