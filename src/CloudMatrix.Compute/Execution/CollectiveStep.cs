namespace CloudMatrix.Compute.Execution;

/// <summary>
/// Collectives that run at the same time (every group of a mesh axis, or an A and a B broadcast of SUMMA): executed on
/// backend buffers and simulated together on the network model, so they contend for the links they share.
/// </summary>
/// <param name="Id">Index in the plan.</param>
/// <param name="Name">What it moves.</param>
/// <param name="DependsOn">Steps that must finish first.</param>
/// <param name="Calls">The collectives.</param>
public sealed record CollectiveStep(int Id, string Name, IReadOnlyList<int> DependsOn, IReadOnlyList<CollectiveCall> Calls) : PlanStep(Id, Name, DependsOn);
