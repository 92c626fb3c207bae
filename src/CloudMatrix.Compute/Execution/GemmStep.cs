namespace CloudMatrix.Compute.Execution;

/// <summary>A step of device GEMMs that run at the same time (at most a few per device), batched on the backend.</summary>
/// <param name="Id">Index in the plan.</param>
/// <param name="Name">What it computes.</param>
/// <param name="DependsOn">Steps that must finish first.</param>
/// <param name="Tasks">The GEMMs.</param>
public sealed record GemmStep(int Id, string Name, IReadOnlyList<int> DependsOn, IReadOnlyList<GemmTask> Tasks) : PlanStep(Id, Name, DependsOn);
